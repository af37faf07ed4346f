"""Printed documents made with WeasyPrint (visa letters, the programme)."""
