"""Bringing an event's data in from elsewhere: published schedules, spreadsheets, archives."""
