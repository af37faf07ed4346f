"""Attendees' calendars and conference apps: iCal feeds, frab XML and JSON of the latest
schedule release. Public, cacheable, conditional."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("feeds", __name__)
