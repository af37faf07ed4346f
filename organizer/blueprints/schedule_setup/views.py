"""Organizers: the schedule's set-up (rooms, days, settings, plenary items, containers,
speakers' availability)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("schedule_setup", __name__, url_prefix="/manage")
