"""Organizers set up registration."""
