"""Organizers: the schedule editor (grid, keyboard and form paths, JSON endpoints, undo)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("schedule", __name__, url_prefix="/manage")
