"""Incidents: opened and resolved by the sweep, annotated by people, and read back."""
