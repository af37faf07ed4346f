"""Attendee registration: settings and kinds of place, registering and seats, the waiting
list, access needs, check-in, badges and certificates. One module per stage."""
