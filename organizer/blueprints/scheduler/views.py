"""Organizers: the automatic scheduler (suggest, repair, accept or discard a suggestion)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("scheduler", __name__, url_prefix="/manage")
