"""The two attacks of issue 13, tried on the CSV export over HTTP, as an organizer would.

The event reproduces the demo's situation: 34 people answered the survey, 32 of them
submitted a proposal; 10 talks were already accepted. The two respondents without a proposal
are both from Africa, without a disability and without caring duties.

- Over time: export, accept one more speaker's proposal and publish the round, export again.
- Across stages: "Everyone who answered" against "Proposals submitted" in one export.

The attacker (tests/representation/attacker.py) knows even everyone else's answers. With the
noise on, every answer of every target stays possible; with it off, the same attacker gets
the answers, which shows that the check can fail.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest
from pypdf import PdfReader

from organizer.enums import ProposalState, SurveyKind
from organizer.services.cfp import decisions
from organizer.services.representation import answering, survey, survey_setup
from tests.factories import NOW, login_as, make_cfp, make_event, make_proposal, make_user
from tests.representation import attacker
from tests.representation.attacker import NO_ANSWER, SELF_DESCRIBED, World

RESPOND_BY = NOW + dt.timedelta(days=14)
K = 5
SUBMITTED, ACCEPTED = "proposal_submitted", "proposal_accepted"


@pytest.fixture
def organizer():
    return make_user()


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer, slug="mangrove", name="Mangrove")
    make_cfp(event)
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    return event


def _answers(questions: list[survey.QuestionInfo], rng: random.Random) -> dict[str, list[str]]:
    answers = {}
    for question in questions:
        keys = [o.key for o in question.options]
        if rng.random() < 0.1:
            continue  # skipped
        if question.kind == SurveyKind.MULTIPLE:
            answers[question.key] = rng.sample(keys[:-1], rng.choice([1, 1, 2]))
        else:
            answers[question.key] = [rng.choice(keys)]
    return answers


def _publish(event, organizer, proposals: list) -> None:
    for proposal in proposals:
        decisions.decide(
            actor=organizer, proposal=proposal, outcome=ProposalState.ACCEPTED, now=NOW
        )
    decisions.publish_round(
        actor=organizer,
        event=event,
        respond_by=RESPOND_BY,
        expected=decisions.pending_fingerprint(event),
        now=NOW,
    )


@pytest.fixture
def demo(event, organizer):
    """The population: answers by person, proposals by person, and who has no proposal."""
    questions = survey.questions_of(event)
    rng = random.Random(13)
    given: dict[int, dict[str, list[str]]] = {}
    proposals = {}
    for person in range(34):
        user = make_user()
        answers = _answers(questions, rng)
        if person >= 32:  # the two without a proposal
            answers.update({"region": ["africa"], "disability": ["no"], "caregiving": ["no"]})
        else:
            proposals[person] = make_proposal(event, user)
        answering.save_response(
            actor=user,
            event=event,
            answers=answers,
            self_described={},
            consent=True,
            response_public_id=None,
            now=NOW,
        )
        given[person] = answers
    _publish(event, organizer, [proposals[p] for p in range(10)])
    return given, proposals


def _world(given, accepted: set[int]) -> World:
    return World(
        answers={
            p: {q: frozenset(keys) for q, keys in answers.items()} for p, answers in given.items()
        },
        stages={
            p: frozenset(([SUBMITTED] if p < 32 else []) + ([ACCEPTED] if p in accepted else []))
            for p in given
        },
        people={SUBMITTED: 32, ACCEPTED: len(accepted)},
    )


def _questions(event) -> dict[str, attacker.Question]:
    return {
        q.key: attacker.Question(
            q.key,
            (*(o.key for o in q.options), SELF_DESCRIBED, NO_ANSWER),
            single=q.kind == SurveyKind.SINGLE,
        )
        for q in survey.questions_of(event)
    }


def _export(client, people: dict[str, int]) -> list[attacker.Observation]:
    """Every number in the CSV, as the attacker reads it."""
    response = client.get("/manage/mangrove/representation/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header = rows[0]
    column = {name: header.index(name) for name in header}
    count = column["Count (with noise)"]
    total = column["Respondents at stage (with noise)"]
    observations: dict[tuple, attacker.Observation] = {}
    for row in rows[1:]:
        if not row[column["Stage key"]]:
            assert "noise" in row[column["Note"]]  # the closing note says what was done
            continue
        stage, respondents = row[column["Stage key"]], int(row[total])
        cap = people.get(stage)
        observations[(stage,)] = attacker.total(stage, respondents, cap)
        question, key, note = row[column["Question key"]], row[column["Answer key"]], row[-1]
        if not key:
            continue  # a stage without a breakdown
        if row[count]:
            low = high = int(row[count])
        elif note == f"fewer than {K}":
            low, high = 1, K - 1
        else:
            assert note == "not shown (would reveal a small group)", row
            low, high = max(1, respondents - K + 1), respondents
        observations[(stage, question, key)] = attacker.cell(
            stage, question, key, low, high, respondents
        )
    return list(observations.values())


def _attack_over_time(client, event, organizer, demo, *, max_noise=None):
    given, proposals = demo
    target = 20
    questions = _questions(event)
    before = _export(client, {SUBMITTED: 32, ACCEPTED: 10})
    _publish(event, organizer, [proposals[target]])
    after = _export(client, {SUBMITTED: 32, ACCEPTED: 11})
    moments = [
        (_world(given, set(range(10))), before),
        (_world(given, {*range(10), target}), after),
    ]
    extra = {} if max_noise is None else {"max_noise": max_noise}
    return {q: attacker.candidates(moments, questions, target, q, **extra) for q in questions}


def _attack_across_stages(client, event, demo, *, max_noise=None):
    given, _proposals = demo
    questions = _questions(event)
    export = _export(client, {SUBMITTED: 32, ACCEPTED: 10})
    moments = [(_world(given, set(range(10))), export)]
    extra = {} if max_noise is None else {"max_noise": max_noise}
    return {
        (person, q): attacker.candidates(moments, questions, person, q, **extra)
        for person in (32, 33)
        for q in questions
    }


def test_exporting_before_and_after_accepting_one_speaker_recovers_nothing(
    client, event, organizer, demo
):
    login_as(client, organizer)
    found = _attack_over_time(client, event, organizer, demo)
    assert len(found) == 9
    for question, answers in found.items():
        assert len(answers) >= 2, (question, answers)


def test_subtracting_stages_in_one_export_recovers_nothing(client, event, organizer, demo):
    login_as(client, organizer)
    found = _attack_across_stages(client, event, demo)
    assert len(found) == 18
    for (person, question), answers in found.items():
        assert len(answers) >= 2, (person, question, answers)


def test_without_the_noise_both_attacks_work(client, event, organizer, demo, exact_counts):
    """The control: exact counts, and an attacker who knows there is no noise."""
    login_as(client, organizer)
    across = _attack_across_stages(client, event, demo, max_noise=0)
    assert across[(32, "region")] == {frozenset({"africa"})}
    assert across[(33, "caregiving")] == {frozenset({"no"})}
    over_time = _attack_over_time(client, event, organizer, demo, max_noise=0)
    given, _proposals = demo
    pinned = {q: a for q, a in over_time.items() if len(a) == 1}
    assert len(pinned) >= 3
    for question, answers in pinned.items():
        assert answers == {frozenset(given[20].get(question, []))}


def test_every_page_says_what_was_done_to_the_numbers(client, event, organizer):
    login_as(client, organizer)
    dashboard = client.get("/manage/mangrove/representation").get_data(as_text=True)
    assert "small random noise added (the cell-key method)" in dashboard
    report = client.get("/manage/mangrove/representation/report").get_data(as_text=True)
    assert "the cell-key method used by the Australian Bureau of Statistics" in report
    assert "gives noise, not a person" in report.replace("&#39;", "'")
    pdf = client.get("/manage/mangrove/representation/report.pdf")
    text = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(pdf.data)).pages
    )
    assert "cell-key method" in text
    export = client.get("/manage/mangrove/representation/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export)))
    assert "Count (with noise)" in rows[0]
    assert rows[-1][-1].startswith("How these numbers are protected: every count")
