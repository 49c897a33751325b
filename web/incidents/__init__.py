"""The incident log, maintenance windows, the outbox page, and their API."""
