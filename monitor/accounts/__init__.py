"""People: users and API tokens, sign-in lock-out, the audit log as a spreadsheet."""
