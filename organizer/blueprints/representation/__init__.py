"""The representation blueprint. `bp` is made here, where every view module (views.py,
setup.py) takes it from; views.py imports the others, so importing it registers every route."""

from flask import Blueprint

bp = Blueprint("representation", __name__, url_prefix="/manage")
