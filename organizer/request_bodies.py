"""Reading request bodies strictly: the app's Request class and JSON provider.

Werkzeug is lenient by default: a urlencoded form's invalid UTF-8 escapes are kept as "%FF",
a multipart field's invalid bytes become U+FFFD, a multipart body cut off half way parses as
an empty form (which Flask-WTF then reports as an expired form), and JSON nested deeper than
Python's recursion limit raises RecursionError (a 500). Here each of them is a `BodyRefused`
(400) with a message that says what was wrong; nothing of such a request is stored, because
the body is read before any view runs (`read_form_body`, a before_request hook).
"""

from __future__ import annotations

import codecs
from typing import Any
from urllib.parse import parse_qsl

from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser, MultiPartParser

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
INVALID_TEXT = _l(
    "The form contained text that is not valid UTF-8, so nothing was saved. "
    "Check the text you pasted, or try another browser."
)
MALFORMED = _l("The upload was cut off or malformed; please try again.")
TOO_DEEP = _l("The data sent is nested too deeply to be read.")


class BodyRefused(BadRequest):
    """A body that cannot be read faithfully; `message` is shown to the person."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# Werkzeug decodes every multipart text field with `bytes.decode(charset, "replace")` and lets a
# subclass choose the charset (`get_part_charset`), not the error handling. This codec is UTF-8
# that ignores the error handling it is asked for and is always strict.
STRICT_UTF8 = "organizer_strict_utf_8"


def _strict_utf8_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    return codecs.utf_8_decode(data, "strict", True)


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name != STRICT_UTF8:
        return None
    return codecs.CodecInfo(codecs.utf_8_encode, _strict_utf8_decode, name=STRICT_UTF8)


codecs.register(_find_codec)


class StrictMultiPartParser(MultiPartParser):
    def get_part_charset(self, headers: Headers) -> str:
        charset = super().get_part_charset(headers)
        return charset if charset == "iso-8859-1" else STRICT_UTF8  # ASCII is UTF-8 too


class StrictFormDataParser(FormDataParser):
    """Raises (is not silent about) malformed bodies; decodes text strictly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "silent": False})

    def _parse_multipart(self, stream, mimetype, content_length, options):  # type: ignore[no-untyped-def]
        parser = StrictMultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files

    def _parse_urlencoded(self, stream, mimetype, content_length, options):  # type: ignore[no-untyped-def]
        items = parse_qsl(stream.read().decode(), keep_blank_values=True, errors="strict")
        return stream, self.cls(items), self.cls()


class OrganizerRequest(Request):
    form_data_parser_class = StrictFormDataParser

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except UnicodeDecodeError as error:
            raise BodyRefused(INVALID_TEXT) from error
        except ValueError as error:  # werkzeug's multipart parser reports what it cannot read
            raise BodyRefused(MALFORMED) from error


class OrganizerJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise BodyRefused(TOO_DEEP) from error


def read_form_body() -> None:
    """Before every request: parse a form body now, so that an unreadable one is refused
    before any view (or Flask-WTF's CSRF check) sees an empty form in its place."""
    if request.mimetype in FORM_TYPES:
        request.form  # noqa: B018 (parsing is the point)
