"""Organizers configure the call: view tests."""
