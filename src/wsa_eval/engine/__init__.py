"""Linked data at scale: person-level records in Parquet files and SQL engines (placeholder)."""
