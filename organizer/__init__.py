"""organizer: run inclusive workshops from call for talks to printed programme."""

from organizer.app import create_app

__all__ = ["create_app"]
