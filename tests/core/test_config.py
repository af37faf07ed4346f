import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from organizer import create_app
from organizer.config import ConfigError, load_config
from organizer.extensions import db
from tests.conftest import ROOT

STRONG = "s" * 48
PRODUCTION = {
    "ORGANIZER_ENV": "production",
    "ORGANIZER_SECRET_KEY": STRONG,
    "ORGANIZER_BASE_URL": "https://workshop.example.org",
    "ORGANIZER_MAIL_BACKEND": "smtp",
}


@pytest.fixture
def clean_env(monkeypatch):
    storage = ("STORAGE_DIR", "UPLOAD_DIR", "PRINT_CACHE_DIR", "MAIL_OUTBOX_DIR")
    for name in (*PRODUCTION, "DATABASE_URL", "ORGANIZER_INSTANCE_PATH"):
        monkeypatch.delenv(name, raising=False)
    for name in storage:
        monkeypatch.delenv(f"ORGANIZER_{name}", raising=False)
    return monkeypatch


def production_env(env, *, without=()):
    """A complete production environment, less the settings named in `without`."""
    for name, value in PRODUCTION.items():
        if name not in without:
            env.setenv(name, value)


def test_embedded_defaults_generate_a_secret_and_use_sqlite(clean_env, tmp_path):
    config = load_config(tmp_path)
    secret_file = tmp_path / "secret_key"
    assert config["SECRET_KEY"] == secret_file.read_text().strip()
    assert len(config["SECRET_KEY"]) >= 48
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert load_config(tmp_path)["SECRET_KEY"] == config["SECRET_KEY"]  # stable across starts
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'organizer.sqlite3'}"
    assert config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("secret", [None, "dev", "change-me", "short-but-not-placeholder"])
def test_production_refuses_a_missing_or_weak_secret(clean_env, tmp_path, secret):
    production_env(clean_env, without={"ORGANIZER_SECRET_KEY"})
    clean_env.setenv("ORGANIZER_INSTANCE_PATH", str(tmp_path))  # not the checkout's instance/
    if secret is not None:
        clean_env.setenv("ORGANIZER_SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="ORGANIZER_SECRET_KEY"):
        create_app()
    assert not (tmp_path / "secret_key").exists()


def test_production_requires_a_base_url(clean_env, tmp_path):
    production_env(clean_env, without={"ORGANIZER_BASE_URL"})
    with pytest.raises(ConfigError, match="ORGANIZER_BASE_URL"):
        load_config(tmp_path)


def test_production_refuses_the_file_mail_backend(clean_env, tmp_path):
    production_env(clean_env, without={"ORGANIZER_MAIL_BACKEND"})
    with pytest.raises(ConfigError, match="MAIL_BACKEND must be smtp"):
        load_config(tmp_path)


def test_production_settings(clean_env, tmp_path):
    production_env(clean_env)
    clean_env.setenv("ORGANIZER_TRUSTED_HOSTS", "workshop.example.org, www.example.org")
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["TRUSTED_HOSTS"] == ["workshop.example.org", "www.example.org"]


def test_environment_values_are_parsed_to_the_default_type(clean_env, tmp_path):
    clean_env.setenv("ORGANIZER_MAIL_PORT", "2525")
    clean_env.setenv("ORGANIZER_MAIL_USE_STARTTLS", "yes")
    clean_env.setenv("ORGANIZER_MAIL_DELIVER_ON_COMMIT", "0")
    config = load_config(tmp_path)
    assert config["MAIL_PORT"] == 2525
    assert config["MAIL_USE_STARTTLS"] is True
    assert config["MAIL_DELIVER_ON_COMMIT"] is False


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db/x", "postgresql+psycopg://u:p@db/x"),
        ("postgresql://u@db/x", "postgresql+psycopg://u@db/x"),
        ("postgresql+psycopg://u@db/x", "postgresql+psycopg://u@db/x"),
        ("sqlite:////srv/o.sqlite3", "sqlite:////srv/o.sqlite3"),
    ],
)
def test_database_url_is_normalised(clean_env, tmp_path, given, expected):
    clean_env.setenv("DATABASE_URL", given)
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ORGANIZER_MAIL_USE_SSL", "ture", "true or false"),
        ("ORGANIZER_MAIL_PORT", "twenty-five", "whole number"),
        ("ORGANIZER_ENV", "prod", "ORGANIZER_ENV must be one of"),
        ("ORGANIZER_DEFAULT_LOCALE", "fr", "DEFAULT_LOCALE"),
    ],
)
def test_mistyped_settings_stop_the_start(clean_env, tmp_path, name, value, message):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_locales_and_trusted_hosts_are_trimmed(clean_env, tmp_path):
    clean_env.setenv("ORGANIZER_SUPPORTED_LOCALES", "en, de ")
    assert load_config(tmp_path)["LOCALES"] == ["en", "de"]
    assert load_config(tmp_path, {"TRUSTED_HOSTS": ["a.example", " "]})["TRUSTED_HOSTS"] == [
        "a.example"
    ]


def test_an_untrusted_host_gets_a_400_not_a_500(tmp_path):
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3",
            "SECRET_KEY": "k" * 40,
            "TRUSTED_HOSTS": ["workshop.example.org"],
        }
    )
    response = application.test_client().get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "could not be understood" in response.text


def test_the_instance_folder_is_a_setting(clean_env, tmp_path):
    """ORGANIZER_INSTANCE_PATH moves everything the app keeps on disk out of the checkout."""
    folder = tmp_path / "data" / "organizer"
    clean_env.setenv("ORGANIZER_INSTANCE_PATH", str(folder))
    app = create_app()
    assert app.instance_path == str(folder)
    assert app.config["INSTANCE_PATH"] == str(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # created for the app's user only
    assert app.config["SECRET_KEY"] == (folder / "secret_key").read_text().strip()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{folder / 'organizer.sqlite3'}"
    assert app.config["STORAGE_DIR"] == str(folder / "storage")
    assert app.config["UPLOAD_DIR"] == str(folder / "storage" / "uploads")
    assert app.config["MAIL_OUTBOX_DIR"] == str(folder / "storage" / "outbox")
    assert app.config["PRINT_CACHE_DIR"] == str(folder / "storage" / "print")
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE probe (id INTEGER)"))
        db.session.commit()
        db.engine.dispose()
    assert (folder / "organizer.sqlite3").stat().st_size > 0
    assert not (ROOT / "instance" / "probe").exists()


def test_a_relative_instance_folder_is_taken_from_the_working_directory(clean_env, tmp_path):
    clean_env.chdir(tmp_path)
    clean_env.setenv("ORGANIZER_INSTANCE_PATH", "var/organizer")
    app = create_app({"SECRET_KEY": STRONG})
    assert app.instance_path == str(tmp_path / "var" / "organizer")
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "var" / "organizer" / "storage" / "uploads")


def test_without_the_setting_the_instance_folder_is_in_the_checkout(clean_env):
    app = create_app({"SECRET_KEY": STRONG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.instance_path == str(ROOT / "instance")
    assert app.config["UPLOAD_DIR"] == str(ROOT / "instance" / "storage" / "uploads")


def test_the_storage_folder_is_a_setting_and_each_part_can_go_elsewhere(clean_env, tmp_path):
    """ORGANIZER_STORAGE_DIR moves every file the app writes (so that several machines can
    share one volume); a part's own setting still wins, e.g. the print cache on a local disk."""
    clean_env.setenv("ORGANIZER_STORAGE_DIR", str(tmp_path / "shared"))
    clean_env.setenv("ORGANIZER_PRINT_CACHE_DIR", str(tmp_path / "local" / "print"))
    config = load_config(tmp_path / "instance")
    assert config["STORAGE_DIR"] == str(tmp_path / "shared")
    assert config["UPLOAD_DIR"] == str(tmp_path / "shared" / "uploads")
    assert config["MAIL_OUTBOX_DIR"] == str(tmp_path / "shared" / "outbox")
    assert config["PRINT_CACHE_DIR"] == str(tmp_path / "local" / "print")


def test_an_install_from_before_the_storage_folder_has_its_files_moved_once(clean_env, tmp_path):
    instance = tmp_path / "instance"
    (instance / "uploads").mkdir(parents=True)
    (instance / "uploads" / "abc").write_bytes(b"%PDF-")
    (instance / "print-cache").mkdir()
    (instance / "print-cache" / "old.pdf").write_bytes(b"%PDF-")
    config = load_config(instance)
    assert (Path(config["UPLOAD_DIR"]) / "abc").read_bytes() == b"%PDF-"
    assert (Path(config["PRINT_CACHE_DIR"]) / "old.pdf").exists()
    assert not (instance / "uploads").exists()
    assert not (instance / "print-cache").exists()
    # A folder at both places (the new one already in use) is left alone, as is an explicit
    # storage folder: the operator moves files there.
    (instance / "uploads").mkdir()
    load_config(instance)
    assert (instance / "uploads").is_dir()
    assert (instance / "storage" / "uploads" / "abc").exists()
    clean_env.setenv("ORGANIZER_STORAGE_DIR", str(tmp_path / "shared"))
    load_config(instance)
    assert (instance / "uploads").is_dir()
    assert not (tmp_path / "shared").exists()
