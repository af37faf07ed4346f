"""Organizers: releasing the schedule as a numbered version, with its change log."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("releases", __name__, url_prefix="/manage")
