"""The demo self-identification survey: the default questions, and seeded answers from most
speakers and grant applicants.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from organizer.models import Event, User
from organizer.services.representation import answering, survey_setup

# How often each answer comes up in the demo survey (options not listed weigh 1), tuned so
# that the dashboard has large cells, small ones it must suppress, and complementary ones.
_SURVEY_WEIGHTS: dict[str, dict[str, float]] = {
    "gender_identity": {"woman": 9, "man": 8, "non_binary": 2, "genderqueer": 0.6, "agender": 0.3},
    "trans_experience": {"yes": 0.6, "no": 14},
    "underrepresented_group": {"yes": 7, "no": 8, "unsure": 1},
    "disability": {"yes": 2, "no": 12},
    "caregiving": {"yes": 4, "no": 10},
    "first_generation": {"yes": 6, "no": 8, "no_university": 0.4},
    "career_stage": {"student": 7, "early_career": 6, "mid_career": 3, "senior": 1, "outside": 1},
    "region": {
        "africa": 7, "asia": 5, "europe": 4, "latin_america": 4, "middle_east": 1,
        "north_america": 1, "oceania": 2,
    },
    "first_time": {"yes": 8, "no": 6},
}  # fmt: skip


_SELF_DESCRIBED = {"gender_identity": "Two-spirit", "career_stage": "Community organiser"}


def load_survey(event: Event, spec: dict[str, Any], users: dict[str, User], now: dt.datetime):
    """The event's survey with the default questions, and answers from most of its speakers
    and grant applicants (a past event answers "as of" its last day, before its purge)."""
    survey = spec["survey"]
    admin = next(u for u in users.values() if u.is_site_admin)
    survey_setup.ensure_survey(actor=admin, event=event, now=now)
    rng = random.Random(survey.get("seed", 1))  # noqa: S311 - reproducible demo answers
    keys = {
        s for p in spec.get("proposals", []) if p.get("state") != "draft" for s in p["speakers"]
    }
    for programme in spec.get("grant_programmes", []):
        keys |= {a["applicant"] for a in programme.get("applications", [])}
    answered_at = min(now, dt.datetime.combine(event.ends_on, dt.time(12), tzinfo=dt.UTC))
    for key in sorted(keys):
        if rng.random() > survey.get("response_rate", 0.8):
            continue  # not everyone answers
        answers: dict[str, list[str]] = {}
        described: dict[str, str] = {}
        for question, weights in _SURVEY_WEIGHTS.items():
            roll = rng.random()
            if roll < 0.06:
                continue  # skipped
            if roll < 0.11:
                answers[question] = ["prefer_not_to_say"]
                continue
            if roll < 0.17 and question in _SELF_DESCRIBED:
                described[question] = _SELF_DESCRIBED[question]
                continue
            options, chances = zip(*weights.items(), strict=True)
            chosen = rng.choices(options, weights=chances)
            if question == "gender_identity" and rng.random() < 0.08:
                chosen = list({*chosen, "genderqueer"})
            answers[question] = list(chosen)
        answering.save_response(
            actor=users[key],
            event=event,
            answers=answers,
            self_described=described,
            consent=True,
            response_public_id=None,
            now=answered_at,
        )
