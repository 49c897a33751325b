"""Signing in, users and roles, one's own account, the audit log page."""
