"""The accounts blueprint. `bp` is made here, where every view module (views.py,
two_factor_views.py) takes it from; views.py imports the others, so importing it registers
every route."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
