"""AnnData (placeholder)."""
