"""Configuration backups on the web."""
