"""A second instance for the archive's round trips: its own application and database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import migrated_app


@pytest.fixture(scope="module")
def other_app(request, tmp_path_factory, smtp_server) -> Iterator[Flask]:
    with migrated_app(
        request, tmp_path_factory, smtp_server[1], "other", WTF_CSRF_ENABLED=False
    ) as application:
        yield application
