"""synth (filled in by its issue)."""
