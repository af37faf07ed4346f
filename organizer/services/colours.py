"""Colours organizers choose (a track's), checked for WCAG 2.2 AA contrast against the text
that will sit on them: the cards' ink, links and muted text (static/css/site.css --ink,
--accent, --muted)."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from organizer.errors import ValidationFailed

INK = "#1b1b1f"  # --ink
LINK = "#0b5cad"  # --accent: session titles are links
MUTED = "#4d4d57"  # --muted: times and labels
AA_TEXT = 4.5
_HEX = re.compile(r"^#[0-9a-f]{6}$")


def _luminance(colour: str) -> float:
    """WCAG's relative luminance of "#rrggbb"."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two "#rrggbb" colours, from 1 to 21."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def card_background(raw: str, *, field: str = "colour") -> str:
    """A checked background for cards: "" (none), or "#rrggbb" on which both the cards' text
    and their links reach 4.5:1. Raises ValidationFailed with the ratio it found."""
    value = raw.strip().lower()
    if not value:
        return ""
    if re.fullmatch(r"[0-9a-f]{6}", value):
        value = "#" + value
    if not _HEX.match(value):
        raise ValidationFailed(
            {field: _("Enter a colour as # and six hexadecimal digits, e.g. #dbeafe.")}
        )
    worst = min(contrast(value, INK), contrast(value, LINK), contrast(value, MUTED))
    if worst < AA_TEXT:
        raise ValidationFailed(
            {
                field: _(
                    "%(colour)s is too dark for the cards' text and links (contrast %(ratio)s:1, "
                    "at least 4.5:1 is needed). Choose a lighter colour, e.g. #dbeafe.",
                    colour=value,
                    ratio=f"{worst:.1f}",
                )
            }
        )
    return value


def track_stylesheet(tracks: list[tuple[int, str]]) -> str:
    """The stylesheet giving each coloured track's cards their background: `.track-colour-<id>`
    for (track id, colour) pairs. Only checked colours are stored; anything else is left out."""
    rules = [
        f".track-colour-{int(track_id)} {{ background-color: {colour}; }}"
        for track_id, colour in tracks
        if _HEX.match(colour)
    ]
    return (
        "/* Track colours, chosen by the organizers (checked for contrast). */\n"
        + "\n".join(rules)
        + ("\n" if rules else "")
    )


def link_colour(raw: str) -> str:
    """An accent for links and buttons on white ("RRGGBB" or "#rrggbb"), or "" when it is not
    one or would not reach 4.5:1 on white (then the site's own accent stays)."""
    value = raw.strip().lower().removeprefix("#")
    if not re.fullmatch(r"[0-9a-f]{6}", value):
        return ""
    return "#" + value if contrast("#" + value, "#ffffff") >= AA_TEXT else ""
