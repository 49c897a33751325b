"""The Reports page and the availability API."""
