"""Extensions, created unbound; `create_app` binds them."""

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from organizer.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Keyed by the client's address, which ProxyFix (PROXY_COUNT) takes from X-Forwarded-For.
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _rate_limits_switched_off() -> bool:
    """Read per request, so that one process can hold apps with and without limits (tests)."""
    return not current_app.config["RATE_LIMITS_ENABLED"]
