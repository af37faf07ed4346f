"""The questions and consent text a new survey starts with (the Open Demographics approach)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from organizer.enums import SurveyKind

# Each: key, kind, text, explanation, options [(key, label)]; every question also gets
# "Prefer not to say" and allows self-description.
DEFAULT_QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "gender_identity",
        "kind": SurveyKind.MULTIPLE,
        "text": _l("What is your gender identity? Choose all that apply."),
        "explanation": _l(
            "Fields like ours have long had far fewer women and non-binary people in the room. "
            "We ask to see whether our call, review and grants change that."
        ),
        "options": [
            ("woman", _l("Woman")),
            ("man", _l("Man")),
            ("non_binary", _l("Non-binary")),
            ("genderqueer", _l("Genderqueer or genderfluid")),
            ("agender", _l("Agender")),
        ],
    },
    {
        "key": "trans_experience",
        "kind": SurveyKind.SINGLE,
        "text": _l("Do you identify as trans, or have a trans history?"),
        "explanation": _l(
            "Trans people are often left out of counts that ask about gender only. "
            "This lets us see whether they reach our programme."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No"))],
    },
    {
        "key": "underrepresented_group",
        "kind": SurveyKind.SINGLE,
        "text": _l(
            "Do you belong to a racial or ethnic group that is under-represented in our field "
            "where you live?"
        ),
        "explanation": _l(
            "Which groups are under-represented differs from country to country, so we ask "
            "about where you live rather than naming groups. Organizers may add categories "
            "that fit their region."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No")), ("unsure", _l("I am not sure"))],
    },
    {
        "key": "disability",
        "kind": SurveyKind.SINGLE,
        "text": _l("Do you have a disability or a chronic illness?"),
        "explanation": _l(
            "Disabled people and people with chronic illness meet barriers at events. We ask "
            "to learn whether they reach us, not what your needs are: tell the organizers "
            "those separately so that we can meet them."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No"))],
    },
    {
        "key": "caregiving",
        "kind": SurveyKind.SINGLE,
        "text": _l("Do you care for a child or another person who depends on you?"),
        "explanation": _l(
            "Caring for others makes travelling to events hard. We ask to see whether our "
            "grants and timing let carers take part."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No"))],
    },
    {
        "key": "first_generation",
        "kind": SurveyKind.SINGLE,
        "text": _l("Are you, or were you, the first in your family to go to university?"),
        "explanation": _l(
            "Family background shapes who gets into research. We ask to see whether our "
            "call reaches people without academic family networks."
        ),
        "options": [
            ("yes", _l("Yes")),
            ("no", _l("No")),
            ("no_university", _l("I have not been to university")),
        ],
    },
    {
        "key": "career_stage",
        "kind": SurveyKind.SINGLE,
        "text": _l("Which best describes your career stage?"),
        "explanation": _l(
            "Early-career people often find it hardest to get a talk accepted or travel paid. "
            "We ask to see how each stage fares."
        ),
        "options": [
            ("student", _l("Student")),
            ("early_career", _l("Early career (e.g. doctoral student, postdoc, junior role)")),
            ("mid_career", _l("Mid career")),
            ("senior", _l("Senior (e.g. professor, lead, manager)")),
            ("outside", _l("Outside research or industry (e.g. independent, retired)")),
        ],
    },
    {
        "key": "region",
        "kind": SurveyKind.SINGLE,
        "text": _l("In which world region do you live?"),
        "explanation": _l(
            "Visas and travel costs keep many people away from events held far from them. "
            "We ask to see whether our grants help."
        ),
        "options": [
            ("africa", _l("Africa")),
            ("asia", _l("Asia")),
            ("europe", _l("Europe")),
            ("latin_america", _l("Latin America and the Caribbean")),
            ("middle_east", _l("Middle East and North Africa")),
            ("north_america", _l("North America")),
            ("oceania", _l("Oceania")),
        ],
    },
    {
        "key": "first_time",
        "kind": SurveyKind.SINGLE,
        "text": _l("Is this your first time at an event like this?"),
        "explanation": _l(
            "We want to welcome newcomers, not only the people who always come. We ask to see "
            "whether we do."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No"))],
    },
]


DEFAULT_CONSENT = _l(
    "I agree that my answers are stored to count, in aggregate, who our call, review and "
    "grants reach. My answers are linked to my account only until the purge date, so that I "
    "can change or delete them; after it they are anonymous and self-descriptions are deleted. "
    "Nobody, organizers included, can see my individual answers, and they never affect a "
    "decision about me."
)
