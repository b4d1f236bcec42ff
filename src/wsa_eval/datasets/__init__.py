"""datasets (filled in by its issue)."""
