"""The schedule set-up pages and their rules."""
