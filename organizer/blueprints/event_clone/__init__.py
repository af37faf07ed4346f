"""Organizers: a new edition from an event's configuration."""
