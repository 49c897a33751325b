"""The web front: the app factory (`app`), the access table, and one blueprint package per area."""
