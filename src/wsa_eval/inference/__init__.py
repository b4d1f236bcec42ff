"""inference (filled in by its issue)."""
