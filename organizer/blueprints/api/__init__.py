"""The read API at /api/v1/: bearer tokens only, JSON (and problem+json errors), described by
openapi.json beside this file."""
