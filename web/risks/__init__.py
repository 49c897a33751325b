"""The risk register pages and their API."""
