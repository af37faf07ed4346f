"""Settings: embedded-install defaults, then ORGANIZER_* environment variables, then overrides.

Every setting in DEFAULTS can be set from the environment as ORGANIZER_<NAME> (the database as
DATABASE_URL). Values are parsed to the type of their default. docs/operator.md lists them.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any

from limits import parse_many

DEFAULTS: dict[str, Any] = {
    # The folder for the data the app keeps on disk (SQLite database, generated secret key,
    # the storage folder); empty: instance/ in the checkout. See instance_path.
    "INSTANCE_PATH": "",
    # The folder for files: uploads/, print/ (the print cache), outbox/ (mail of the file
    # backend); empty: storage/ in the instance folder. Several machines share it. See storage.
    "STORAGE_DIR": "",
    # Each of the storage folder's parts can be put elsewhere; empty: inside STORAGE_DIR.
    "UPLOAD_DIR": "",
    "PRINT_CACHE_DIR": "",
    "MAIL_OUTBOX_DIR": "",
    "ENV": "development",  # "production" turns on secure cookies and refuses unsafe settings
    "SECRET_KEY": "",  # embedded install: generated into instance/secret_key on first start
    "BASE_URL": "",  # public address for links in mail, e.g. https://workshop.example.org
    "TRUSTED_HOSTS": "",  # comma-separated host names the app answers to (production)
    "PROXY_COUNT": 0,  # reverse proxies in front of the app whose X-Forwarded-* to trust
    "SITE_NAME": "organizer",
    "DEFAULT_LOCALE": "en",
    "SUPPORTED_LOCALES": "en",
    "MAIL_BACKEND": "file",  # "smtp" or "file" (writes .eml files to MAIL_OUTBOX_DIR)
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_STARTTLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_SENDER": "organizer <noreply@localhost>",
    "MAIL_TIMEOUT": 15,
    "MAIL_MAX_ATTEMPTS": 6,
    "MAIL_DELIVER_ON_COMMIT": True,  # a task sends it right after the commit; else the sweep
    "LOGIN_THROTTLE_ATTEMPTS": 5,  # failed logins for one address from one client ...
    "LOGIN_THROTTLE_IP_ATTEMPTS": 50,  # ... or from one client for any address ...
    "LOGIN_THROTTLE_WINDOW_SECONDS": 900,  # ... within this window lock logins for the rest of it
    "SESSION_LIFETIME_SECONDS": 30 * 24 * 3600,  # a sign-in lasts at most this long
    "REDIS_URL": "",  # e.g. redis://127.0.0.1:6379/0: rate limits and the task queue, shared
    # Where queued tasks wait (organizer/queue.py): auto, sqlite, postgres, redis or immediate.
    "QUEUE_BACKEND": "auto",
    "QUEUE_SQLITE_PATH": "",  # the embedded queue's file; empty: instance/queue.sqlite3
    "QUEUE_NAME": "organizer",  # several installs sharing one Redis need their own
    "PRINT_ON_RELEASE": True,  # a release has the worker render its booklets and room signs
    # Per-client rate limits (Flask-Limiter syntax; ";" separates several), POST requests only.
    "RATE_LIMITS_ENABLED": True,
    "RATE_LIMIT_SIGN_IN": "10 per minute; 60 per hour",
    "RATE_LIMIT_REGISTER": "10 per hour; 50 per day",
    "RATE_LIMIT_PASSWORD_RESET": "10 per hour; 50 per day",
    "RATE_LIMIT_INVITATIONS": "30 per hour; 200 per day",  # co-speakers and team members
    "RATE_LIMIT_MAIL": "100 per hour; 500 per day",  # every other form that sends mail, together
    # The read API (/api/v1/): every request, per token (not per client address).
    "RATE_LIMIT_API": "120 per minute; 3000 per hour",
    "RATE_LIMIT_KEY_PREFIX": "organizer",  # several installs on one Redis need their own
    "VERIFY_TOKEN_MAX_AGE": 3 * 24 * 3600,
    "RESET_TOKEN_MAX_AGE": 3600,
    "INVITATION_MAX_AGE_DAYS": 14,
    "PER_PAGE": 25,
    # How long shared caches (a CDN, a reverse proxy) may keep a public page an anonymous
    # visitor reads (schedule, talk, speaker, event); feeds have their own (MAX_AGE, 300 s).
    "PUBLIC_CACHE_SECONDS": 60,
    # How long a process reuses the schedule page's sessions it rendered (a new release shows at
    # once; a renamed speaker or room within this while). 0 renders every request.
    "PUBLIC_PAGE_CACHE_SECONDS": 60,
    # Which sites may show the embedded schedule (/<event>/schedule/embed) in a frame: a CSP
    # frame-ancestors source list, e.g. "https://workshop.example.org". "*": any site.
    "EMBED_FRAME_ANCESTORS": "*",
    "PASSWORD_HASH_METHOD": "scrypt",  # werkzeug method; tests use a fast one
    "LOG_FORMAT": "text",  # "text" (time level logger: message) or "json" (one object per line)
    "LOG_LEVEL": "INFO",  # for the app's own loggers; libraries log from WARNING
}

RATE_LIMIT_SETTINGS = [
    name for name in DEFAULTS if name.startswith("RATE_LIMIT_") and name != "RATE_LIMIT_KEY_PREFIX"
]

DEVELOPMENT_SECRET_PLACEHOLDERS = {"", "dev", "change-me", "changeme", "secret", "development"}


class ConfigError(RuntimeError):
    """The settings are unsafe or inconsistent; the app refuses to start."""


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
ENVIRONMENTS = {"development", "production"}
LOG_FORMATS = {"text", "json"}
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


def _parse(name: str, raw: str, default: Any) -> Any:
    """The environment's text as the type of the default; a typo is an error, not a silent no."""
    if isinstance(default, bool):
        word = raw.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise ConfigError(f"ORGANIZER_{name} must be true or false, not {raw!r}.")
        return word in TRUE_WORDS
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError as error:
            raise ConfigError(f"ORGANIZER_{name} must be a whole number, not {raw!r}.") from error
    return raw.strip()


def _host_list(value: str | list[str]) -> list[str] | None:
    hosts = value if isinstance(value, list) else value.split(",")
    return [h.strip() for h in hosts if h.strip()] or None


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting platforms hand out and pin the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_from_instance(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def instance_path(default: Path, overrides: dict[str, Any] | None = None) -> Path:
    """The instance folder: the INSTANCE_PATH override, else ORGANIZER_INSTANCE_PATH, else
    `default` (instance/ in the checkout). A relative path is taken from the working directory.
    Every default path below it (database, secret key, storage folder) follows."""
    raw = str((overrides or {}).get("INSTANCE_PATH") or "").strip()
    raw = raw or os.environ.get("ORGANIZER_INSTANCE_PATH", "").strip()
    return Path(raw).expanduser().resolve() if raw else default


# The parts of the storage folder: setting, folder name inside it, its name before the storage
# folder existed (directly in the instance folder).
STORAGE_PARTS = (
    ("UPLOAD_DIR", "uploads", "uploads"),
    ("PRINT_CACHE_DIR", "print", "print-cache"),
    ("MAIL_OUTBOX_DIR", "outbox", "outbox"),
)


def storage_paths(settings: dict[str, Any], instance_path: Path) -> dict[str, str]:
    """STORAGE_DIR and its parts as absolute paths: each part's own setting, else its folder
    in STORAGE_DIR, else in <instance>/storage. An install from before the storage folder has
    its parts moved there (see adopt_legacy_folder)."""
    raw = str(settings["STORAGE_DIR"]).strip()
    storage = Path(raw).expanduser().resolve() if raw else instance_path / "storage"
    paths = {"STORAGE_DIR": str(storage)}
    for name, folder, legacy in STORAGE_PARTS:
        own = str(settings[name]).strip()
        if own:
            paths[name] = str(Path(own).expanduser().resolve())
            continue
        if not raw:
            adopt_legacy_folder(instance_path / legacy, storage / folder)
        paths[name] = str(storage / folder)
    return paths


def adopt_legacy_folder(legacy: Path, target: Path) -> None:
    """Move a folder of the old layout (<instance>/uploads) to its place in the default
    storage folder, once: a rename, so the files never exist twice or half. When several
    workers start together one rename wins and the others find nothing left to move."""
    if not legacy.is_dir() or target.exists():
        return
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        legacy.rename(target)
    except FileNotFoundError:
        return  # another process moved it first
    except OSError as error:
        raise ConfigError(
            f"Could not move {legacy} to {target} (the storage folder): {error}. Move it "
            "yourself, or set ORGANIZER_STORAGE_DIR."
        ) from error


def load_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The app's configuration: DEFAULTS, then the environment, then `overrides`; checked
    (production refuses unsafe settings), then the Flask and extension keys derived from it."""
    overrides = dict(overrides or {})
    settings = _settings(overrides)
    locales = _locales(settings)
    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not database_url:
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance_path / 'organizer.sqlite3'}"
    production = settings["ENV"] == "production"
    if production:
        _check_production(settings)
    elif not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _secret_from_instance(instance_path)
    _check_rate_limits(settings)
    config = _flask_config(settings, instance_path, database_url, locales, production)
    # Tests and tools may set Flask or extension keys directly (TESTING, WTF_CSRF_ENABLED, ...).
    config.update(
        {k: v for k, v in overrides.items() if k not in DEFAULTS and k != "SQLALCHEMY_DATABASE_URI"}
    )
    return config


def _settings(overrides: dict[str, Any]) -> dict[str, Any]:
    """DEFAULTS, overridden by ORGANIZER_<NAME> from the environment, then by `overrides`."""
    settings = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        raw = os.environ.get(f"ORGANIZER_{name}")
        if raw is not None:
            settings[name] = _parse(name, raw, default)
    settings.update({k: v for k, v in overrides.items() if k in DEFAULTS})
    if settings["ENV"] not in ENVIRONMENTS:
        raise ConfigError(f"ORGANIZER_ENV must be one of {sorted(ENVIRONMENTS)}.")
    settings["LOG_FORMAT"] = settings["LOG_FORMAT"].lower()
    settings["LOG_LEVEL"] = settings["LOG_LEVEL"].upper()
    if settings["LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError(f"ORGANIZER_LOG_FORMAT must be one of {sorted(LOG_FORMATS)}.")
    if settings["LOG_LEVEL"] not in LOG_LEVELS:
        raise ConfigError(f"ORGANIZER_LOG_LEVEL must be one of {sorted(LOG_LEVELS)}.")
    if re.search(r"[;,\r\n]", str(settings["EMBED_FRAME_ANCESTORS"])):
        raise ConfigError(
            "ORGANIZER_EMBED_FRAME_ANCESTORS is a list of sources separated by spaces, "
            "e.g. 'https://workshop.example.org https://www.example.org', or '*'."
        )
    return settings


def _locales(settings: dict[str, Any]) -> list[str]:
    locales = [code.strip() for code in settings["SUPPORTED_LOCALES"].split(",") if code.strip()]
    if settings["DEFAULT_LOCALE"] not in locales:
        raise ConfigError("ORGANIZER_DEFAULT_LOCALE must be one of ORGANIZER_SUPPORTED_LOCALES.")
    return locales


def _check_production(settings: dict[str, Any]) -> None:
    """A real secret key, a fixed base URL for links in mail, and mail that is delivered."""
    if (
        settings["SECRET_KEY"] in DEVELOPMENT_SECRET_PLACEHOLDERS
        or len(settings["SECRET_KEY"]) < 32
    ):
        raise ConfigError(
            "ORGANIZER_SECRET_KEY must be set to a random value of at least 32 characters "
            "in production (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if not settings["BASE_URL"]:
        raise ConfigError(
            "ORGANIZER_BASE_URL must be set in production so that links in mail "
            "cannot be steered by a forged Host header."
        )
    if settings["MAIL_BACKEND"] != "smtp":
        raise ConfigError(
            "ORGANIZER_MAIL_BACKEND must be smtp in production: the file backend only "
            "writes mail to files in the storage folder's outbox/ and nobody would receive it."
        )


def _check_rate_limits(settings: dict[str, Any]) -> None:
    for name in RATE_LIMIT_SETTINGS:
        try:
            parse_many(settings[name])
        except ValueError as error:
            raise ConfigError(
                f"ORGANIZER_{name} must be limits like '10 per minute; 60 per hour', "
                f"not {settings[name]!r}."
            ) from error


def _flask_config(
    settings: dict[str, Any],
    instance_path: Path,
    database_url: str,
    locales: list[str],
    production: bool,
) -> dict[str, Any]:
    """The settings with the keys Flask and its extensions read."""
    return {
        **settings,
        "INSTANCE_PATH": str(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": settings["SESSION_LIFETIME_SECONDS"],
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": settings["DEFAULT_LOCALE"],
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "TRUSTED_HOSTS": _host_list(settings["TRUSTED_HOSTS"]),
        "LOCALES": locales,
        **storage_paths(settings, instance_path),
        # Flask-Limiter: always bound; RATE_LIMITS_ENABLED is read per request (extensions.py).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": settings["REDIS_URL"] or "memory://",
        "RATELIMIT_KEY_PREFIX": settings["RATE_LIMIT_KEY_PREFIX"],
        "RATELIMIT_HEADERS_ENABLED": False,  # the 429 page sets Retry-After itself
        # Redis unreachable: count in memory for the time being rather than refuse sign-ins.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    }
