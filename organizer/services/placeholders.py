"""Placeholders in organizers' own wording: `{name}` in a subject or a text, filled in per
person. One home for the syntax, used by the decision mails, bulk mail and printed letters.

Filling is a plain substitution of known names (never `str.format`, so that a typed brace or
attribute access does nothing); an unknown name is a validation error that names it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask_babel import gettext as _

PLACEHOLDER_PATTERN = re.compile(r"\{([a-z_]+)\}")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace known {placeholders}; leave anything else as typed (no format-string tricks)."""
    return PLACEHOLDER_PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def used(text: str) -> set[str]:
    """The placeholder names `text` uses."""
    return set(PLACEHOLDER_PATTERN.findall(text or ""))


def unknown(text: str, allowed: Iterable[str]) -> list[str]:
    """The names in `text` that are not `allowed`, sorted."""
    return sorted(used(text) - set(allowed))


def unknown_message(names: list[str]) -> str:
    return _(
        "Unknown placeholder %(names)s. Use only the ones listed.",
        names=", ".join("{" + name + "}" for name in names),
    )


def check(fields: Mapping[str, str], allowed: Iterable[str]) -> dict[str, str]:
    """{field: message} for each field whose text uses a placeholder not `allowed`."""
    allowed = set(allowed)
    errors = {}
    for field, text in fields.items():
        names = unknown(text, allowed)
        if names:
            errors[field] = unknown_message(names)
    return errors
