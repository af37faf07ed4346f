"""Badges of registered people and certificates of attendance."""
