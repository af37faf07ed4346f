"""The Alembic migrations and the models describe the same schema, on this run's database."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from organizer import create_app
from organizer.extensions import db
from tests.conftest import scratch_database


def test_models_and_latest_migration_agree(app):
    context = MigrationContext.configure(
        db.session.connection(), opts={"compare_type": True, "compare_server_default": True}
    )
    assert compare_metadata(context, db.metadata) == []


def test_database_is_at_the_single_head(app):
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    heads = script.get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
    context = MigrationContext.configure(db.session.connection())
    assert context.get_current_revision() == heads[0]


def test_downgrade_to_empty_and_upgrade_again(request, tmp_path):
    option = request.config.getoption("--database-url")
    with scratch_database(option, tmp_path, "roundtrip") as url:
        application = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 40})
        with application.app_context():
            flask_migrate.upgrade()
            flask_migrate.downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            flask_migrate.upgrade()
            assert "event" in inspect(db.engine).get_table_names()
            db.engine.dispose()


def test_flask_db_binds_flask_migrate_when_it_runs(request, tmp_path):
    """`flask db` and app.extensions["migrate"] are stand-ins until used (a web process never
    loads Alembic; tests/public_schedule/test_light_process.py), and then work as before."""
    option = request.config.getoption("--database-url")
    with scratch_database(option, tmp_path, "cli") as url:
        application = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 40})
        assert type(application.extensions["migrate"]).__name__ == "_UnboundMigrate"
        runner = application.test_cli_runner()
        # its own context: the suite's app has one pushed, which `flask db` would use
        with application.app_context():
            listed = runner.invoke(args=["db", "--help"])
            assert listed.exit_code == 0, listed.output
            assert "upgrade" in listed.output and "--x-arg" in listed.output
            done = runner.invoke(args=["db", "upgrade"])
            assert done.exit_code == 0, done.output
            config = application.extensions["migrate"].migrate.get_config()
            with db.engine.connect() as connection:
                revision = MigrationContext.configure(connection).get_current_revision()
            assert revision == ScriptDirectory.from_config(config).get_current_head()
            db.engine.dispose()
