"""The printed programme: the PDF booklet (standard and large print) and room signs of the
latest release, for everyone; and the organizers' print settings."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("printed", __name__)
