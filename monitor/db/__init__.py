"""The database: schema (models), engine and sessions, the audit listener, backup/restore, migrations."""
