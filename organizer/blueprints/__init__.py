"""The explicit list of blueprints, in registration order. The public event pages come last
because their first path segment is a variable (the event slug)."""

from organizer.blueprints.auth.views import bp as auth
from organizer.blueprints.manage.views import bp as manage
from organizer.blueprints.public.views import bp as public

BLUEPRINTS = [auth, manage, public]
