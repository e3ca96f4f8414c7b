"""CLI command groups, one module per area; each imports heavy libraries lazily."""
