"""Organizers run grant programmes: set-up, applications, ranking, allocation and offers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("grant_admin", __name__, url_prefix="/manage")
