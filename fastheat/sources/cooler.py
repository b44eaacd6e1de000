"""cooler (placeholder)."""
