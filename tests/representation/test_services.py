"""The survey's rules without HTTP: set-up, answers, consent, deletion, stages, purge, counts.

The only test module (with the demo loader) allowed to read the Survey* models: it checks
that deletion and the purge really remove rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from organizer import permissions
from organizer.enums import GrantState, ProposalState, RegistrationState, SurveyKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    AuditEntry,
    Registration,
    SurveyAnswer,
    SurveyConsentVersion,
    SurveyLink,
    SurveyResponse,
)
from organizer.services.representation import (
    answering,
    counting,
    defaults,
    pipeline,
    question_setup,
    retention,
    survey,
    survey_setup,
)
from tests.factories import (
    NOW,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def organizer():
    return make_user()


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer)
    make_cfp(event)
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    return event


def save(event, user, answers=None, described=None, *, consent=True, public_id=None, now=NOW):
    return answering.save_response(
        actor=user,
        event=event,
        answers=answers or {},
        self_described=described or {},
        consent=consent,
        response_public_id=public_id,
        now=now,
    )


# Set-up ------------------------------------------------------------------------------------


def test_ensure_survey_creates_defaults_once(event, organizer):
    info = survey.settings_of(event)
    assert info.k == 5 and info.consent_version == 1 and info.is_open
    assert info.purge_on == event.ends_on + dt.timedelta(days=180)
    assert info.consent_versions == [(1, info.consent_text)]
    questions = survey.questions_of(event)
    assert [q.key for q in questions] == [spec["key"] for spec in defaults.DEFAULT_QUESTIONS]
    for question in questions:
        assert question.explanation and question.allow_self_describe
        assert [o for o in question.options if o.prefer_not_to_say]
    assert questions[0].kind == SurveyKind.MULTIPLE
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    assert len(survey.questions_of(event)) == len(questions)
    assert survey.offered(event, now=NOW)


def test_only_organizers_set_up(event):
    with pytest.raises(PermissionDenied):
        survey_setup.ensure_survey(actor=make_user(), event=make_event(), now=NOW)
    with pytest.raises(PermissionDenied):
        question_setup.add_option(
            actor=make_user(), event=event, question_key="region", label="Antarctica", now=NOW
        )


def settings(event, organizer, **changes):
    info = survey.settings_of(event)
    values = {
        "k": info.k,
        "purge_on": info.purge_on,
        "is_open": info.is_open,
        "consent_text": info.consent_text,
        **changes,
    }
    return survey_setup.save_settings(actor=organizer, event=event, now=NOW, **values)


def test_k_below_3_is_refused(event, organizer):
    with pytest.raises(ValidationFailed) as caught:
        settings(event, organizer, k=2)
    assert "at least 3" in caught.value.errors["k"]
    assert survey.settings_of(event).k == 5
    assert settings(event, organizer, k=3).k == 3


def test_consent_versions(event, organizer):
    user = make_user()
    save(event, user, {"first_time": ["yes"]})
    assert settings(event, organizer, k=6).consent_version == 1  # same text: same version
    info = settings(event, organizer, consent_text="New words.")
    assert info.consent_version == 2
    assert [v for v, _ in info.consent_versions] == [1, 2]
    assert answering.my_response(event, user).consent_version == 1
    other = make_user()
    assert save(event, other, {"first_time": ["no"]}).consent_version == 2
    # Changing one's answers is agreeing to the text shown now.
    assert save(event, user, {"first_time": ["no"]}).consent_version == 2
    assert count(SurveyConsentVersion) >= 2


def test_add_question_and_option_keys_are_unique(event, organizer):
    first = question_setup.add_question(
        actor=organizer,
        event=event,
        text="Career stage?",
        explanation="",
        kind=SurveyKind.SINGLE,
        allow_self_describe=False,
        options=["Yes", "No"],
        now=NOW,
    )
    second = question_setup.add_question(
        actor=organizer,
        event=event,
        text="Career stage!",
        explanation="",
        kind=SurveyKind.SINGLE,
        allow_self_describe=False,
        options=["A"],
        now=NOW,
    )
    assert first.key == "career_stage_2" and second.key == "career_stage_3"
    assert [o.key for o in first.options] == ["yes", "no", "prefer_not_to_say"]
    option = question_setup.add_option(
        actor=organizer, event=event, question_key="underrepresented_group", label="Roma",
        now=NOW,
    )  # fmt: skip
    keys = [o.key for o in survey.question_of(event, "underrepresented_group").options]
    assert keys[-2:] == [option.key, "prefer_not_to_say"]
    with pytest.raises(ValidationFailed):
        question_setup.add_option(
            actor=organizer, event=event, question_key="underrepresented_group", label="roma",
            now=NOW,
        )  # fmt: skip


def test_edit_retire_and_reorder(event, organizer):
    question_setup.update_question(
        actor=organizer,
        event=event,
        question_key="first_time",
        text="First time here?",
        explanation="Why.",
        allow_self_describe=False,
        option_labels={"yes": "Yes, first time"},
        now=NOW,
    )
    question = survey.question_of(event, "first_time")
    assert question.text == "First time here?" and not question.allow_self_describe
    assert question.option("yes").label == "Yes, first time"
    question_setup.set_question_retired(
        actor=organizer, event=event, question_key="first_time", retired=True, now=NOW
    )
    assert "first_time" not in [q.key for q in survey.asked(event)]
    assert survey.question_of(event, "first_time").retired
    with pytest.raises(ValidationFailed):
        question_setup.set_option_retired(
            actor=organizer,
            event=event,
            question_key="region",
            option_key="prefer_not_to_say",
            retired=True,
            now=NOW,
        )
    question_setup.move_question(
        actor=organizer, event=event, question_key="trans_experience", direction=-1
    )
    assert [q.key for q in survey.questions_of(event)][:2] == [
        "trans_experience",
        "gender_identity",
    ]


# Answers -----------------------------------------------------------------------------------


def test_save_change_and_delete_for_real(event):
    user = make_user()
    saved = save(
        event,
        user,
        {"gender_identity": ["woman", "non_binary"], "region": ["europe"]},
        {"gender_identity": "femme"},
    )
    assert saved.answers == {"gender_identity": ["woman", "non_binary"], "region": ["europe"]}
    assert saved.self_described == {"gender_identity": "femme"}
    assert count(SurveyAnswer) == 4 and count(SurveyLink) == 1
    # A second save (from another of the person's roles) changes the same response.
    changed = save(event, user, {"region": ["asia"]}, public_id=saved.public_id)
    assert changed.public_id == saved.public_id
    assert changed.answers == {"region": ["asia"]} and changed.self_described == {}
    assert count(SurveyResponse) == 1 and count(SurveyAnswer) == 1
    answering.delete_response(actor=user, event=event, now=NOW)
    assert answering.my_response(event, user) is None
    assert count(SurveyResponse) == count(SurveyAnswer) == count(SurveyLink) == 0
    with pytest.raises(NotFound):
        answering.delete_response(actor=user, event=event, now=NOW)


def test_respondents_actions_are_not_audited(event):
    before = count(AuditEntry)
    user = make_user()
    save(event, user, {"region": ["asia"]})
    answering.delete_response(actor=user, event=event, now=NOW)
    assert count(AuditEntry) == before


def test_consent_is_required(event):
    with pytest.raises(ValidationFailed) as caught:
        save(event, make_user(), {"region": ["asia"]}, consent=False)
    assert "consent" in caught.value.errors
    assert count(SurveyResponse) == 0


@pytest.mark.parametrize(
    ("answers", "described", "field"),
    [
        ({"region": ["mars"]}, {}, "region"),  # an option that does not exist
        ({"no_such_question": ["yes"]}, {}, "no_such_question"),
        ({"region": ["asia", "europe"]}, {}, "region"),  # two options on a single question
        ({"region": ["asia"]}, {"region": "Here"}, "region"),  # option and text on single
        ({"gender_identity": ["woman", "prefer_not_to_say"]}, {}, "gender_identity"),
        ({}, {"region": "x" * 201}, "region__self"),
    ],
)
def test_bad_answers_change_nothing(event, answers, described, field):
    user = make_user()
    saved = save(event, user, {"first_time": ["yes"]})
    with pytest.raises(ValidationFailed) as caught:
        save(event, user, answers, described, public_id=saved.public_id)
    assert field in caught.value.errors
    assert answering.my_response(event, user).answers == {"first_time": ["yes"]}


def test_retired_question_and_option_are_refused(event, organizer):
    question_setup.set_question_retired(
        actor=organizer, event=event, question_key="first_time", retired=True, now=NOW
    )
    question_setup.set_option_retired(
        actor=organizer, event=event, question_key="region", option_key="asia", retired=True,
        now=NOW,
    )  # fmt: skip
    for answers in ({"first_time": ["yes"]}, {"region": ["asia"]}):
        with pytest.raises(ValidationFailed) as caught:
            save(event, make_user(), answers)
        assert next(iter(answers)) in caught.value.errors
    assert count(SurveyResponse) == 0


def test_forged_response_id_is_refused(event):
    victim, forger = make_user(), make_user()
    theirs = save(event, victim, {"region": ["asia"]})
    with pytest.raises(PermissionDenied) as caught:
        save(event, forger, {"region": ["europe"]}, public_id=theirs.public_id)
    assert "your own" in caught.value.message
    mine = save(event, forger, {"region": ["oceania"]})
    with pytest.raises(PermissionDenied):
        save(event, forger, {"region": ["europe"]}, public_id=theirs.public_id)
    assert answering.my_response(event, victim).answers == {"region": ["asia"]}
    assert answering.my_response(event, forger).public_id == mine.public_id
    assert answering.my_response(event, forger).answers == {"region": ["oceania"]}


def test_saving_after_the_purge_date_or_when_closed_is_refused(event, organizer):
    purge_day = survey.settings_of(event).purge_on
    late = dt.datetime.combine(purge_day, dt.time(1), tzinfo=dt.UTC)
    with pytest.raises(ValidationFailed) as caught:
        save(event, make_user(), {"region": ["asia"]}, now=late)
    assert "cycle is over" in caught.value.message
    assert not survey.offered(event, now=late)
    settings(event, organizer, is_open=False)
    with pytest.raises(ValidationFailed):
        save(event, make_user(), {"region": ["asia"]})
    assert not survey.offered(event, now=NOW)


# Stages, purge -----------------------------------------------------------------------------


def test_stage_flags_follow_the_pipelines(event):
    speaker, applicant, both = make_user(), make_user(), make_user()
    proposal = make_proposal(event, speaker, co_speakers=(both,))
    programme = make_programme(event)
    application = make_application(programme, applicant)
    make_application(programme, both, state=GrantState.OFFERED)
    for user in (speaker, applicant, both):
        save(event, user, {"first_time": ["yes"]})
    flags = lambda: sorted(  # noqa: E731
        tuple(stages) for stages in db.session.scalars(select(SurveyResponse.stages))
    )
    assert flags() == sorted(
        [
            ("proposal_submitted",),
            ("grant_applied",),
            ("proposal_submitted", "grant_applied", "grant_offered"),
        ]
    )
    proposal.state = ProposalState.CONFIRMED
    application.state = GrantState.ACCEPTED
    db.session.flush()
    people = pipeline.refresh_stages(event)
    assert people["speaker_confirmed"] == {speaker.id, both.id}
    assert sorted(flags()) == sorted(
        [
            ("proposal_submitted", "proposal_accepted", "speaker_confirmed"),
            ("grant_applied", "grant_offered", "grant_accepted"),
            (
                "proposal_submitted",
                "proposal_accepted",
                "speaker_confirmed",
                "grant_applied",
                "grant_offered",
            ),
        ]
    )


def _registration(event, user, **values):
    """A registration row as the registration services leave it (they own the rules)."""
    row = Registration(
        event=event,
        user=user,
        state=values.pop("state", RegistrationState.CONFIRMED),
        code_of_conduct_version=1,
        code_of_conduct_accepted_at=NOW,
        created_at=NOW,
        updated_at=NOW,
        **values,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_registered_and_attended_are_stages_and_registering_offers_the_survey(event):
    came, cancelled, stranger = make_user(), make_user(), make_user()
    _registration(event, came, checked_in_at=NOW)
    _registration(event, cancelled, state=RegistrationState.CANCELLED)
    assert [e for e, _ in answering.survey_events_for(came, now=NOW)] == [event]
    assert answering.survey_events_for(stranger, now=NOW) == []
    save(event, came, {"first_time": ["yes"]})
    save(event, cancelled, {"first_time": ["yes"]})
    people = pipeline.refresh_stages(event)
    # Like proposals: everyone who registered counts, also if they cancelled later.
    assert people["registered"] == {came.id, cancelled.id}
    assert people["attended"] == {came.id}
    assert sorted(tuple(s) for s in db.session.scalars(select(SurveyResponse.stages))) == [
        ("registered",),
        ("registered", "attended"),
    ]


def test_refresh_stages_runs_a_constant_number_of_queries(event, queries):
    def grow():
        for _ in range(3):
            user = make_user()
            make_proposal(event, user)
            save(event, user, {"first_time": ["yes"]})

    grow()
    queries.clear()
    pipeline.refresh_stages(event)
    before = len(queries)
    grow()
    queries.clear()
    pipeline.refresh_stages(event)
    assert len(queries) == before


def test_purge_by_date_drops_links_and_text_keeps_counts_and_flags(event, organizer):
    later = dt.date(2027, 12, 1)
    other = make_event(organizer=organizer, starts_on=later, ends_on=later)
    survey_setup.ensure_survey(actor=organizer, event=other, now=NOW)
    speaker = make_user()
    proposal = make_proposal(event, speaker)
    save(event, speaker, {"region": []}, {"region": "Here and there"})
    save(event, make_user(), {"region": ["asia"]})
    save(other, speaker, {}, {"region": "Elsewhere"})
    proposal.state = ProposalState.ACCEPTED  # the purge records the last stages first
    db.session.flush()
    before = counting.tabulate([event])
    assert retention.purge(now=NOW) == {"events": 0, "links": 0, "self_described": 0}
    day = dt.datetime.combine(survey.settings_of(event).purge_on, dt.time(3), tzinfo=dt.UTC)
    assert retention.purge(now=day) == {"events": 1, "links": 2, "self_described": 1}
    assert retention.purge(now=day) == {"events": 0, "links": 0, "self_described": 0}
    assert survey.settings_of(event).purged_at == day
    assert answering.my_response(event, speaker) is None  # anonymous now
    assert answering.my_response(other, speaker).self_described == {"region": "Elsewhere"}
    texts = set(db.session.scalars(select(SurveyAnswer.self_described)))
    assert "Here and there" not in texts and "Elsewhere" in texts
    after = counting.tabulate([event])
    assert after.tables == before.tables  # counts survive, self-descriptions included
    table = after.tables[("region", "proposal_accepted")]
    assert table.respondents == 1
    assert {c.key: c.count for c in table.cells}["_self_described"] == 1


def test_tabulate_counts_current_stages_and_writes_nothing(event, queries):
    speaker = make_user()
    proposal = make_proposal(event, speaker)
    save(event, speaker, {"first_time": ["yes"]})
    proposal.state = ProposalState.ACCEPTED  # the stored flags are now behind
    db.session.flush()
    queries.clear()
    result = counting.tabulate([event])
    writes = [q for q in queries if not q.lstrip().upper().startswith("SELECT")]
    assert writes == []  # a dashboard GET stays read-only
    assert {s.key: s.respondents for s in result.stages}["proposal_accepted"] == 1
    stored = db.session.scalars(select(SurveyResponse.stages)).one()
    assert "proposal_accepted" not in stored  # the purge or the next save records it


# Counts ------------------------------------------------------------------------------------


def cells(table) -> dict[str, int]:
    return {c.key: c.count for c in table.cells}


def test_tabulate_counts_a_handcrafted_set(event, organizer):
    question_setup.set_option_retired(
        actor=organizer, event=event, question_key="region", option_key="oceania", retired=True,
        now=NOW,
    )  # fmt: skip
    people = [make_user() for _ in range(6)]
    for person in people[:3]:
        make_proposal(event, person)
    save(event, people[0], {"gender_identity": ["woman", "non_binary"], "region": ["asia"]})
    save(event, people[1], {"gender_identity": ["woman"]}, {"gender_identity": "femme"})
    save(event, people[2], {"gender_identity": ["prefer_not_to_say"], "region": ["asia"]})
    save(event, people[3], {"region": ["europe"]})
    save(event, people[4], {}, {"region": "Between"})
    save(event, people[5], {})
    result = counting.tabulate([event])
    assert result.k == 5 and result.event_ids == [event.id]
    summary = {s.key: (s.people, s.respondents) for s in result.stages}
    assert summary["respondents"] == (6, 6)
    assert summary["proposal_submitted"] == (3, 3)
    assert summary["grant_applied"] == (0, 0)
    gender = result.tables[("gender_identity", "respondents")]
    assert (gender.respondents, gender.answered) == (6, 3)
    assert cells(gender) == {
        "woman": 2,
        "man": 0,
        "non_binary": 1,
        "genderqueer": 0,
        "agender": 0,
        "prefer_not_to_say": 1,
        "_self_described": 1,
        "_no_answer": 3,
    }
    region = result.tables[("region", "respondents")]
    assert "oceania" not in cells(region)  # retired and never chosen
    assert cells(region)["asia"] == 2 and cells(region)["_self_described"] == 1
    assert sum(cells(region).values()) == region.respondents  # single: a partition
    submitted = result.tables[("region", "proposal_submitted")]
    assert (submitted.respondents, cells(submitted)["asia"], cells(submitted)["_no_answer"]) == (
        3,
        2,
        1,
    )


def test_tabulate_pools_editions_by_key(event, organizer):
    older = make_event(organizer=organizer)
    survey_setup.ensure_survey(actor=organizer, event=older, now=NOW)
    question_setup.update_question(
        actor=organizer, event=older, question_key="region", text="Where do you live?",
        explanation="", allow_self_describe=True, now=NOW,
    )  # fmt: skip
    question_setup.add_option(
        actor=organizer, event=older, question_key="region", label="Antarctica", now=NOW
    )
    settings(older, organizer, k=7)
    save(event, make_user(), {"region": ["asia"]})
    save(older, make_user(), {"region": ["asia"]})
    save(older, make_user(), {"region": ["antarctica"]})
    pooled = counting.tabulate([event, older])
    assert pooled.k == 7
    region = next(q for q in pooled.questions if q.key == "region")
    assert region.text != "Where do you live?"  # the first event's wording
    table = pooled.tables[("region", "respondents")]
    assert table.respondents == 3
    assert cells(table)["asia"] == 2 and cells(table)["antarctica"] == 1


def test_targets(event, organizer):
    survey_setup.set_target(
        actor=organizer, event=event, question_key="region", option_key="africa",
        stage_key="proposal_accepted", percent=20, now=NOW,
    )  # fmt: skip
    assert survey_setup.targets(event) == {("region", "africa", "proposal_accepted"): 20}
    with pytest.raises(ValidationFailed):
        survey_setup.set_target(
            actor=organizer, event=event, question_key="region", option_key="africa",
            stage_key="proposal_accepted", percent=120, now=NOW,
        )  # fmt: skip
    survey_setup.set_target(
        actor=organizer, event=event, question_key="region", option_key="africa",
        stage_key="proposal_accepted", percent=None, now=NOW,
    )  # fmt: skip
    assert survey_setup.targets(event) == {}


def test_comparable_events(event, organizer):
    mine = make_event(organizer=organizer)
    survey_setup.ensure_survey(actor=organizer, event=mine, now=NOW)
    make_event(organizer=organizer)  # no survey
    stranger = make_user()
    theirs = make_event(organizer=stranger)
    survey_setup.ensure_survey(actor=stranger, event=theirs, now=NOW)
    assert counting.comparable_events(event, organizer) == [mine]


def test_only_organizers_retire_options_and_never_prefer_not_to_say(event, organizer):
    """The set-up page shows the button by the same predicate the service checks."""
    question = survey.question_of(event, "region")
    prefer_not = question.option("prefer_not_to_say")
    africa = question.option("africa")
    assert permissions.can_retire_survey_option(organizer, event, africa)
    assert not permissions.can_retire_survey_option(organizer, event, prefer_not)
    assert not permissions.can_retire_survey_option(make_user(), event, africa)
