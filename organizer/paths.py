"""Where the checkout's folders are: the app, its templates and static files, the migrations and
the demo fixtures all sit beside the `organizer` package. Imports nothing from the app, so any
layer may use it."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
