"""Check a response of the read API against blueprints/api/openapi.json: the path and method
are described, the status is declared for the operation, and the body validates against the
declared schema (JSON Schema 2020-12, the OpenAPI 3.1 dialect's base, with $ref resolved into
the document's components through `referencing`)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from organizer.blueprints.api.views import OPENAPI_PATH

DOCUMENT_URI = "urn:organizer:openapi"


@cache
def document() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


@cache
def registry() -> Registry:
    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    return Registry().with_resource(DOCUMENT_URI, resource)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        pointer = node["$ref"].removeprefix("#/").split("/")
        found: Any = document()
        for part in pointer:
            found = found[part]
        node = found
    return node


def operation_for(path: str, method: str) -> tuple[str, dict[str, Any]]:
    """The document's path template matching `path` (without query), and its operation."""
    for template, item in document()["paths"].items():
        pattern = "^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            assert method.lower() in item, f"{method} {template} is not in the document"
            return template, item[method.lower()]
    raise AssertionError(f"{path} is not described in the OpenAPI document")


def check_response(method: str, url: str, response: Any) -> Any:
    """Fail unless `response` is what the document declares; the parsed body."""
    path = url.split("?", 1)[0]
    template, operation = operation_for(path, method)
    status = str(response.status_code)
    declared = operation["responses"]
    assert status in declared, f"{method} {template} answered {status}, not declared"
    described = _resolve(declared[status])
    content = described.get("content", {})
    mimetype = response.mimetype
    assert mimetype in content, f"{method} {template} {status}: {mimetype} not declared"
    for header in described.get("headers", {}):
        assert header in response.headers, f"{method} {template} {status}: no {header} header"
    body = json.loads(response.get_data(as_text=True))
    schema = (
        {"$ref": DOCUMENT_URI + content[mimetype]["schema"]["$ref"]}
        if "$ref" in content[mimetype]["schema"]
        else content[mimetype]["schema"]
    )
    validator = Draft202012Validator(schema, registry=registry())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{method} {template} {status}: " + "; ".join(
        f"{list(e.path)}: {e.message}" for e in errors[:5]
    )
    return body
