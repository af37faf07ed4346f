"""What a spreadsheet's columns can feed, per kind of import, and the first guess of which
column feeds which field, from the headers that Google Forms and Microsoft Forms write.

A field has a key (stored in the import's mapping), a label, whether a column for it is
required, and the other names people give such a column. An event's own questions are fields
too ("question-<id>" for the call, "grant-question-<id>" for grant programmes): a form built
from the same questions has their text as headers.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l

from organizer.enums import GrantCategory
from organizer.models import GrantProgramme, GrantQuestion, Question, SessionType, Track

PROPOSALS = "proposals"
GRANT_APPLICATIONS = "grant_applications"
KINDS = (PROPOSALS, GRANT_APPLICATIONS)
SUGGEST_CUTOFF = 0.78


@dataclasses.dataclass(frozen=True)
class Field:
    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


_PERSON = (
    Field(
        "email",
        _l("Email address"),
        True,
        (
            "email",
            "e-mail",
            "email address",
            "e-mail address",
            "your email",
            "mail",
            "speaker email",
            "applicant email",
            "contact email",
        ),
    ),
    Field(
        "name",
        _l("Name"),
        True,
        (
            "name",
            "full name",
            "your name",
            "speaker name",
            "speaker",
            "applicant",
            "first and last name",
            "display name",
            "respondent",
        ),
    ),
)
_SUBMITTED = Field(
    "submitted_at",
    _l("Submitted at (date)"),
    False,
    (
        "timestamp",
        "submitted",
        "submission date",
        "date",
        "start time",
        "completion time",
        "submitted at",
        "created",
    ),
)


def proposal_fields(
    session_types: Sequence[SessionType], tracks: Sequence[Track], questions: Sequence[Question]
) -> list[Field]:
    fields = [
        *_PERSON,
        Field(
            "title",
            _l("Title"),
            True,
            (
                "title",
                "talk title",
                "title of your talk",
                "title of your proposal",
                "session title",
                "proposal title",
                "title of the session",
                "title of your session",
            ),
        ),
        Field("abstract", _l("Abstract"), False, ("abstract", "summary", "short description")),
        Field(
            "description",
            _l("Description"),
            False,
            ("description", "details", "long description", "outline", "full description"),
        ),
        Field(
            "notes",
            _l("Notes to the organizers"),
            False,
            ("notes", "notes to the organizers", "comments", "anything else", "remarks"),
        ),
        Field(
            "session_type",
            _l("Session type"),
            len(session_types) > 1,
            ("session type", "format", "type", "kind of session", "talk type", "session format"),
        ),
        Field("track", _l("Track"), bool(tracks), ("track", "topic", "theme", "area")),
        Field(
            "language", _l("Language"), False, ("language", "talk language", "in which language")
        ),
        Field("level", _l("Level"), False, ("level", "audience level", "difficulty", "expertise")),
        _SUBMITTED,
    ]
    fields += [Field(f"question-{q.id}", q.text, q.required, ()) for q in questions]
    return fields


def _applicant_fields(programmes: Sequence[GrantProgramme]) -> list[Field]:
    """Who applies, to which programme, and why."""
    return [
        *_PERSON,
        Field(
            "programme",
            _l("Grant programme"),
            len(programmes) > 1,
            (
                "programme",
                "program",
                "grant",
                "which grant",
                "grant programme",
                "grant program",
                "scholarship",
                "support",
            ),
        ),
        Field(
            "motivation",
            _l("Motivation"),
            False,
            (
                "motivation",
                "why",
                "why do you apply",
                "why do you want to attend",
                "statement",
                "why should we fund you",
            ),
        ),
        Field("role", _l("Current role"), False, ("role", "position", "job", "occupation")),
        Field(
            "affiliation",
            _l("Affiliation"),
            False,
            (
                "affiliation",
                "organisation",
                "organization",
                "institution",
                "university",
                "employer",
            ),
        ),
        Field(
            "country",
            _l("Country you travel from"),
            False,
            ("country", "country of residence", "where do you travel from", "home country"),
        ),
        Field("city", _l("City you travel from"), False, ("city", "town", "home city")),
        Field(
            "need",
            _l("How much the support is needed"),
            False,
            ("need", "need level", "how much do you need", "how much do you need the support"),
        ),
    ]


def grant_fields(
    programmes: Sequence[GrantProgramme], questions: Sequence[GrantQuestion]
) -> list[Field]:
    fields = _applicant_fields(programmes)
    for category in GrantCategory:
        fields.append(
            Field(
                f"amount-{category.value}",
                _l("Amount: %(category)s", category=category.label),
                False,
                (
                    category.value,
                    str(category.label),
                    f"{category.value} amount",
                    f"{category.value} cost",
                    f"{category.value} costs",
                ),
            )
        )
    fields += [
        Field(
            "own_contribution",
            _l("Own contribution"),
            False,
            ("own contribution", "contribution", "how much can you pay"),
        ),
        Field(
            "other_funding",
            _l("Other funding"),
            False,
            ("other funding", "other support", "other sources of funding"),
        ),
        _SUBMITTED,
    ]
    fields += [Field(f"grant-question-{q.id}", q.text, q.required, ()) for q in questions]
    return fields


def normalised(text: str) -> str:
    """ "Title of your talk?" -> "title of your talk": for comparing headers with labels."""
    return " ".join(re.sub(r"[^\w]+", " ", str(text).casefold()).split())


def _score(header: str, field: Field) -> float:
    names = [normalised(field.label), *(normalised(a) for a in field.aliases)]
    if header in names:
        return 1.0
    return max(difflib.SequenceMatcher(None, header, name).ratio() for name in names if name)


def suggest(headers: Sequence[str], fields: Sequence[Field]) -> dict[str, int]:
    """Field key -> column index: each field and each column at most once, the closest pairs
    first, and only pairs close enough to be a fair guess."""
    pairs = []
    for index, header in enumerate(headers):
        plain = normalised(header)
        if not plain:
            continue
        for position, field in enumerate(fields):
            score = _score(plain, field)
            if score >= SUGGEST_CUTOFF:
                pairs.append((-score, index, position, field.key))
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for _closeness, index, _position, key in sorted(pairs):
        if key in mapping or index in used:
            continue
        mapping[key] = index
        used.add(index)
    return mapping
