"""A hatchling sample."""
