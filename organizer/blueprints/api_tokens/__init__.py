"""A person's tokens for the read API, on their account pages: make, list, revoke."""
