"""SSH configuration backups: the backup job, versions and their diffs."""
