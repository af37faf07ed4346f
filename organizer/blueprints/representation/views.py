"""Organizers: the survey's set-up and the suppressed representation dashboards and report."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("representation", __name__, url_prefix="/manage")
