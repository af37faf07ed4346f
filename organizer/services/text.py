"""Rich text: people write Markdown; we render it with markdown-it-py and sanitise with nh3."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import nh3
from flask_babel import gettext
from markdown_it import MarkdownIt
from markupsafe import Markup

from organizer.errors import ValidationFailed

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "s",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML off: people write Markdown, not markup. nh3 is the second line of defence.
    return MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def render_markdown(source: str | None, *, heading_offset: int = 1) -> Markup:
    """Sanitised HTML for user-written Markdown. Headings shift down (# becomes h2) so that
    a page keeps one h1."""
    if not source:
        return Markup("")
    html = _parser().render(source)
    if heading_offset:
        for level in range(6, 0, -1):
            new = min(level + heading_offset, 6)
            html = html.replace(f"<h{level}>", f"<h{new}>").replace(f"</h{level}>", f"</h{new}>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


# --- what people may type ----------------------------------------------------------------------
#
# One rule for every piece of text that reaches the application (forms, the schedule editor's
# JSON, query strings, mail headers), so that nothing stored can break an export (a NUL makes
# XML not well-formed and is refused by PostgreSQL) or spoof a name. Forms apply it through
# `blueprints._forms.Form`; other paths call `problem` or `check` directly.
#
# - Refused everywhere: C0 controls except tab, line feed and carriage return; DEL; C1 controls
#   (U+0080-U+009F); lone surrogates (a JSON body can carry "\ud800"; UTF-8 cannot store it);
#   noncharacters (U+FFFE, U+FFFF and the like: XML 1.0 forbids some of them).
# - Refused everywhere: the bidirectional embedding, override and isolate controls
#   (U+202A-U+202E, U+2066-U+2069). They reorder what is displayed, so "gnp.exe" can show as
#   "exe.png", a name can read as someone else's, and a speaker's name written backwards slips
#   past assisted redaction. Refused rather than removed: silently changing what someone wrote
#   is worse than asking them. Right-to-left letters need none of them (the Unicode bidi
#   algorithm orders Arabic and Hebrew by itself), so Arabic and Hebrew names work as typed.
# - Allowed: the directional marks U+200E, U+200F and U+061C (LRM, RLM, ALM). They are invisible
#   letters with a direction, not controls that take over the text after them; they can only
#   move neutral characters (punctuation, spaces) next to them, and keyboards and editors for
#   right-to-left languages insert them. Also allowed: ZWJ and ZWNJ (emoji sequences, Persian).
# - Line breaks (and tab) only in multi-line fields, where CR LF, CR, U+2028 and U+2029 become
#   LF. A single-line field (a name, a title) refuses them.

_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_NEVER = f"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}{_BIDI_CONTROLS}"
_REFUSED_MULTILINE = re.compile(f"[{_NEVER}]")
_REFUSED_SINGLE_LINE = re.compile(f"[{_NEVER}\t\n\r\u2028\u2029]")
_WITHOUT_BIDI = {ord(char): None for char in _BIDI_CONTROLS}
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
_NAMES = {
    "\x00": "NUL",
    "\x7f": "DEL",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
}


def _describe(char: str) -> str:
    name = _NAMES.get(char)
    code = f"U+{ord(char):04X}"
    return f"{code} {name}" if name else code


def normalise_lines(value: str) -> str:
    """Every line break of a multi-line text as LF (browsers send CR LF)."""
    return _LINE_BREAKS.sub("\n", value)


def problem(value: str, *, multiline: bool = False, bidi: bool = True) -> str | None:
    """Why `value` cannot be kept, as a message for the person who typed it; None when it can.
    `bidi=False` skips the direction controls (a password is never displayed)."""
    pattern = _REFUSED_MULTILINE if multiline else _REFUSED_SINGLE_LINE
    if not bidi:
        value = value.translate(_WITHOUT_BIDI)
    found = pattern.search(value)
    if found is None:
        return None
    char = found.group()
    if char in _BIDI_CONTROLS:
        return gettext(
            "Remove the invisible text-direction control (%(char)s): it can make text "
            "show differently from what it says. Right-to-left letters are fine without it.",
            char=_describe(char),
        )
    if char in "\t\n\r\u2028\u2029":
        return gettext(
            "Use a single line here: the text contains a %(char)s.",
            char=gettext("tab") if char == "\t" else gettext("line break"),
        )
    if unicodedata.category(char) == "Cc":
        return gettext(
            "Remove the invisible control character (%(char)s): it cannot be stored or shown.",
            char=_describe(char),
        )
    return gettext(
        "Remove the character %(char)s: it is not valid text and cannot be stored or shown.",
        char=_describe(char),
    )


def check(value: str, *, field: str, multiline: bool = False) -> str:
    """`value` ready to keep (line breaks normalised), or ValidationFailed keyed by `field`.
    For text that does not come through a form (JSON bodies, query strings)."""
    message = problem(value, multiline=multiline)
    if message is not None:
        raise ValidationFailed({field: message})
    return normalise_lines(value) if multiline else value


def one_line(value: str) -> str:
    """Text for a place that must hold one harmless line whatever it is given (a mail header,
    a file name): every character `problem` refuses becomes a space, spaces collapse."""
    return " ".join(_REFUSED_SINGLE_LINE.sub(" ", value).split())


def printable(value: str) -> str:
    """Stored text made safe for an export: line breaks as LF, and everything `problem` refuses
    in a multi-line field removed. Forms refuse those characters; this covers text stored
    before the rule or by other paths (the demo loader, commands), so that no export breaks."""
    value = normalise_lines(value)
    return _REFUSED_MULTILINE.sub("", value) if _REFUSED_MULTILINE.search(value) else value


def printable_all(value: Any) -> Any:
    """`printable` applied to every string in nested dicts, lists and tuples."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable_all(k): printable_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(printable_all(v) for v in value)
    return value


def fold_for_search(value: str) -> str:
    """A name as search compares it: case folded and without accents ("Ayşe" and
    "ayse yilmaz" match), other scripts kept as they are, spaces collapsed. Stored beside the
    name (for example `Registration.search_name`) so the same index works on every database."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Dotless i and similar letters that decomposition keeps apart from their Latin twin.
    stripped = stripped.translate(_FOLD_EXTRA)
    return " ".join(unicodedata.normalize("NFC", stripped).split())


_FOLD_EXTRA = str.maketrans({"\u0131": "i", "ø": "o", "đ": "d", "ł": "l", "ß": "ss", "æ": "ae"})
