"""did (filled in by its issue)."""
