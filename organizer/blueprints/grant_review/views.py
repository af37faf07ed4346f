"""The grants committee reviews applications: scores, comments, recommended amounts."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("grant_review", __name__, url_prefix="/review")
