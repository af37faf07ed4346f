"""Attendees: the registration form, my registration, the one-click cancel from mail."""
