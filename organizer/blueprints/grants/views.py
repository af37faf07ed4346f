"""Applicants: grant programmes, applying, my applications, the message thread, offers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("grants", __name__)
