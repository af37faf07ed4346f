"""The self-identification survey for respondents: fill, view, change or delete it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("survey", __name__)
