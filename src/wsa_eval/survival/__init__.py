"""survival (filled in by its issue)."""
