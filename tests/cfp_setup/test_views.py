"""The call's set-up pages: who may open them, what they save, and how they say what is wrong."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from organizer.enums import EventRoleName, OthersReviews, QuestionKind
from organizer.extensions import db
from organizer.models import (
    Answer,
    AuditEntry,
    Cfp,
    CfpExtension,
    Event,
    MailTemplate,
    Question,
    ReviewCriterion,
    ReviewPhase,
    SessionType,
    Track,
)
from organizer.services.cfp import call as call_service
from organizer.services.cfp import deadlines
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_question,
    make_user,
    session_type,
    track,
)

UTC = dt.UTC
CALL_FORM = {
    "opens_at": "2027-01-10",
    "opens_time": "09:00",
    "closes_at": "2027-03-28",
    "closes_time": "23:59",
    "text": "Send us your **best** work.",
    "anonymous_review": "y",
    "reviews_per_proposal": "3",
    "others_reviews": "after_own",
    "abstract_max_length": "1200",
    "languages": "en, PT",
}


def field_error(html: str, field: str) -> str:
    """The message shown next to a field, checking that the input points at it."""
    assert re.search(rf'<(input|textarea|select)[^>]*aria-describedby="[^"]*{field}-error', html), (
        field
    )
    match = re.search(rf'id="{field}-error">\s*<span[^>]*>[^<]*</span>\s*([^<]+)', html)
    assert match, f"no error shown for {field}"
    return match.group(1).strip()


def actions(event: Event) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.event_id == event.id).order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def organizer(client):
    person = make_user(name="Olga Organizer")
    event = make_event(organizer=person, slug="setup", name="Setup Workshop")
    login_as(client, person)
    return person, event


@pytest.fixture
def with_call(organizer):
    person, event = organizer
    make_cfp(event)
    return person, event


def ids_of(event: Event) -> dict[str, object]:
    """A real id for every route parameter, so that every page can be opened."""
    question = db.session.scalar(select(Question).where(Question.event_id == event.id))
    if question is None:
        question = make_question(event)
    phase = db.session.scalar(select(ReviewPhase).where(ReviewPhase.event_id == event.id))
    if phase is None:
        phase = ReviewPhase(
            event_id=event.id,
            name="Round one",
            starts_at=NOW - dt.timedelta(days=1),
            ends_at=NOW + dt.timedelta(days=10),
        )
        db.session.add(phase)
    extension = db.session.scalar(select(CfpExtension).where(CfpExtension.event_id == event.id))
    if extension is None:
        late = make_user(email="late@example.org")
        extension = CfpExtension(
            event_id=event.id, user_id=late.id, until=NOW + dt.timedelta(days=30), created_at=NOW
        )
        db.session.add(extension)
    db.session.flush()
    criterion = db.session.scalar(
        select(ReviewCriterion).where(ReviewCriterion.event_id == event.id)
    )
    return {
        "event_slug": event.slug,
        "type_id": session_type(event).id,
        "track_id": track(event).id,
        "question_id": question.id,
        "criterion_id": criterion.id,
        "phase_id": phase.id,
        "extension_id": extension.id,
        "item_id": session_type(event).id,
        "kind": "types",
        "purpose": "proposal_accepted",
    }


def routes(app: Flask) -> list[tuple[str, str, str]]:
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("cfp_setup.")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


def url_for_rule(rule: str, values: dict[str, object]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)


# --- access --------------------------------------------------------------------------------------


def test_every_page_renders_for_an_organizer(app, client, with_call):
    _, event = with_call
    values = ids_of(event)
    pages = [url_for_rule(rule, values) for _, rule, method in routes(app) if method == "GET"]
    assert len(pages) >= 20
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert 'aria-label="Call for talks set-up"' in html, url
        assert 'aria-current="page"' in html or 'aria-current="true"' in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html, url
        assert html.count("<h1") == 1, url


def test_pages_render_before_the_call_exists(client, organizer):
    _, event = organizer
    for path in ("", "/types", "/tracks", "/questions", "/criteria", "/phases", "/mails",
                 "/extensions"):  # fmt: skip
        assert client.get(f"/manage/setup/cfp{path}").status_code == 200, path
    assert call_service.call_of(event) is None  # looking changes nothing


@pytest.mark.parametrize("who", ["reviewer", "applicant", "organizer of another event"])
def test_everyone_but_organizers_gets_403_on_every_route(app, client, with_call, who):
    _, event = with_call
    values = ids_of(event)
    user = make_user()
    if who == "reviewer":
        grant_role(user, event, EventRoleName.REVIEWER)
    elif who == "applicant":
        make_proposal(event, user)
    else:
        make_event(organizer=user)
    login_as(client, user)
    before = actions(event)
    checked = 0
    for endpoint, rule, method in routes(app):
        url = url_for_rule(rule, values)
        response = client.open(
            url,
            method=method,
            data={**CALL_FORM, "name": "Hacked", "email": "late@example.org", "direction": "up"},
        )
        assert response.status_code == 403, (endpoint, method, url, response.status_code)
        assert "Setup Workshop" not in response.text
        checked += 1
    assert checked >= 30
    assert actions(event) == before
    assert db.session.get(SessionType, values["type_id"]).name == "Talk"


def test_items_of_another_event_and_unknown_kinds_are_not_found(client, with_call):
    other = make_event(organizer=make_user())
    make_cfp(other)
    theirs = session_type(other).id
    assert client.get(f"/manage/setup/cfp/types/{theirs}").status_code == 404
    assert client.post(f"/manage/setup/cfp/types/{theirs}/delete").status_code == 404
    assert (
        client.post(f"/manage/setup/cfp/types/{theirs}/move", data={"direction": "up"}).status_code
        == 404
    )
    mine = session_type(db.session.get(Event, with_call[1].id)).id
    assert (
        client.post(f"/manage/setup/cfp/rooms/{mine}/move", data={"direction": "up"}).status_code
        == 404
    )
    assert client.get("/manage/setup/cfp/mails/love_letter").status_code == 404
    assert client.get("/manage/setup/cfp/mails/love_letter/reset").status_code == 404


# --- the call and its times ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        # Lisbon moves from WET (UTC+0) to WEST (UTC+1) at 01:00 UTC on 28 March 2027.
        ("2027-03-27", dt.datetime(2027, 3, 27, 23, 59, tzinfo=UTC)),
        ("2027-03-28", dt.datetime(2027, 3, 28, 22, 59, tzinfo=UTC)),
    ],
)
def test_creating_the_call_reads_times_in_the_event_zone(client, organizer, day, utc):
    _, event = organizer
    page = client.get("/manage/setup/cfp")
    assert "Europe/Lisbon" in page.text
    response = client.post("/manage/setup/cfp", data={**CALL_FORM, "closes_at": day})
    assert response.status_code == 302
    call = call_service.call_of(event)
    assert call.closes_at == utc
    assert call.opens_at == dt.datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    assert call.languages == ["en", "pt"]
    assert call.abstract_max_length == 1200
    assert call.others_reviews == OthersReviews.AFTER_OWN
    # the form shows the times back as they were typed
    html = client.get("/manage/setup/cfp").text
    assert f'value="{day}"' in html and 'value="23:59"' in html
    assert "cfp.configure" in actions(event)


def test_a_new_call_suggests_sensible_dates(client, organizer):
    html = client.get("/manage/setup/cfp").text
    assert "no call for talks yet" in html
    today = dt.datetime.now(ZoneInfo("Europe/Lisbon")).date()
    closes = re.search(r'name="closes_at"[^>]*value="([\d-]+)"', html) or re.search(
        r'value="([\d-]+)"[^>]*name="closes_at"', html
    )
    assert closes, html
    suggested = dt.date.fromisoformat(closes.group(1))
    assert abs((suggested - today).days - 42) <= 1
    assert 'value="23:59"' in html


def test_changing_the_call_keeps_what_was_typed_when_wrong(client, with_call):
    _, event = with_call
    response = client.post(
        "/manage/setup/cfp", data={**CALL_FORM, "closes_at": "2027-01-01", "text": "New text"}
    )
    assert response.status_code == 400
    assert "close after it opens" in field_error(response.text, "closes_at")
    assert "There is a problem" in response.text
    assert "New text" in response.text
    assert call_service.call_of(event).text == "Tell us about your work."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"languages": "en, english"}, "languages", "not a language code"),
        ({"reviews_per_proposal": "30"}, "reviews_per_proposal", "between 1 and 20"),
        ({"reviews_per_proposal": "three"}, "reviews_per_proposal", "whole number"),
        ({"closes_time": "midnight"}, "closes_time", "HH:MM"),
        ({"abstract_max_length": "5"}, "abstract_max_length", "between 100"),
    ],
)
def test_call_validation_messages_sit_next_to_their_field(
    client, with_call, changes, field, message
):
    response = client.post("/manage/setup/cfp", data={**CALL_FORM, **changes})
    assert response.status_code == 400
    assert message in field_error(response.text, field)


# --- session types, tracks, ordering and deleting ------------------------------------------------


def type_names(event: Event) -> list[str]:
    return [t.name for t in call_service.session_types(event)]


def test_add_edit_and_reorder_session_types(client, with_call):
    _, event = with_call
    response = client.post(
        "/manage/setup/cfp/types",
        data={"name": "Lightning", "duration_minutes": "5", "max_speakers": "1"},
    )
    assert response.status_code == 302
    assert type_names(event) == ["Talk", "Tutorial", "Lightning"]
    lightning = session_type(event, "Lightning")
    page = client.get("/manage/setup/cfp/types").text
    assert "5 min" in page and "Up</span>" not in page  # the name is read out after "Up"
    assert (
        client.post(
            f"/manage/setup/cfp/types/{lightning.id}/move", data={"direction": "up"}
        ).status_code
        == 302
    )
    assert type_names(event) == ["Talk", "Lightning", "Tutorial"]
    client.post(f"/manage/setup/cfp/types/{lightning.id}/move", data={"direction": "up"})
    assert type_names(event) == ["Lightning", "Talk", "Tutorial"]
    client.post(f"/manage/setup/cfp/types/{lightning.id}/move", data={"direction": "up"})
    assert type_names(event) == ["Lightning", "Talk", "Tutorial"]  # already first
    client.post(f"/manage/setup/cfp/types/{lightning.id}/move", data={"direction": "down"})
    assert type_names(event) == ["Talk", "Lightning", "Tutorial"]
    assert (
        client.post(
            f"/manage/setup/cfp/types/{lightning.id}/move", data={"direction": "sideways"}
        ).status_code
        == 400
    )

    response = client.post(
        f"/manage/setup/cfp/types/{lightning.id}",
        data={"name": "Lightning talk", "duration_minutes": "7", "max_speakers": "1"},
    )
    assert response.status_code == 302
    assert db.session.get(SessionType, lightning.id).duration_minutes == 7
    assert actions(event).count("cfp.session_type.save") == 2


def test_duplicate_session_type_is_refused_next_to_the_name(client, with_call):
    response = client.post(
        "/manage/setup/cfp/types",
        data={"name": "Talk", "duration_minutes": "30", "max_speakers": "2"},
    )
    assert response.status_code == 400
    assert "already a session type" in field_error(response.text, "name")
    assert 'value="30"' in response.text


def test_deleting_a_session_type_asks_first_and_is_refused_when_used(client, with_call):
    _, event = with_call
    talk = session_type(event)
    tutorial_id = session_type(event, "Tutorial").id
    make_proposal(event, session_type=talk)
    confirm = client.get(f"/manage/setup/cfp/types/{tutorial_id}/delete")
    assert confirm.status_code == 200 and "Tutorial" in confirm.text
    assert db.session.get(SessionType, tutorial_id) is not None  # GET changes nothing
    assert client.post(f"/manage/setup/cfp/types/{tutorial_id}/delete").status_code == 302
    assert db.session.get(SessionType, tutorial_id) is None

    refused = client.post(f"/manage/setup/cfp/types/{talk.id}/delete")
    assert refused.status_code == 409
    assert "1 proposal uses “Talk”. Move it to another type first." in refused.text
    assert db.session.get(SessionType, talk.id) is not None
    assert "cfp.session_type.delete" in actions(event)


def test_tracks_add_move_and_delete(client, with_call):
    _, event = with_call
    assert client.post("/manage/setup/cfp/tracks", data={"name": "Ethics"}).status_code == 302
    ethics_id = track(event, "Ethics").id
    page = client.get("/manage/setup/cfp/tracks")
    assert f'action="/manage/setup/cfp/tracks/{ethics_id}/move"' in page.text
    client.post(f"/manage/setup/cfp/tracks/{ethics_id}/move", data={"direction": "up"})
    assert [t.name for t in call_service.tracks(event)] == ["Methods", "Ethics", "Applications"]
    make_proposal(event, track=track(event, "Methods"))
    assert client.post(f"/manage/setup/cfp/tracks/{track(event).id}/delete").status_code == 409
    assert client.post(f"/manage/setup/cfp/tracks/{ethics_id}/delete").status_code == 302
    assert db.session.get(Track, ethics_id) is None
    assert {"cfp.track.save", "cfp.track.delete"} <= set(actions(event))


# --- questions ---------------------------------------------------------------------------------


QUESTION = {
    "text": "Do you need travel support?",
    "help_text": "We have a small budget.",
    "kind": "single_choice",
    "choices": "Yes\r\nNo\r\nMaybe",
    "required": "y",
    "max_file_kb": "5120",
}


def test_a_choice_question_needs_two_choices(client, with_call):
    response = client.post("/manage/setup/cfp/questions", data={**QUESTION, "choices": "Only one"})
    assert response.status_code == 400
    assert "at least two choices" in field_error(response.text, "choices")
    assert "Do you need travel support?" in response.text


def test_questions_are_added_hidden_from_reviewers_and_reordered(client, with_call):
    _, event = with_call
    assert client.post("/manage/setup/cfp/questions", data=QUESTION).status_code == 302
    question = call_service.questions(event)[0]
    assert question.choices == ["Yes", "No", "Maybe"]
    assert question.required and not question.visible_to_reviewers  # box left unticked
    response = client.post(
        "/manage/setup/cfp/questions",
        data={"text": "Slides", "kind": "file", "file_kinds": ["pdf"], "max_file_kb": "2048",
              "visible_to_reviewers": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    slides = call_service.questions(event)[1]
    assert (slides.kind, slides.file_kinds, slides.max_file_kb) == (
        QuestionKind.FILE,
        ["pdf"],
        2048,
    )
    client.post(f"/manage/setup/cfp/questions/{slides.id}/move", data={"direction": "up"})
    assert [q.text for q in call_service.questions(event)] == [
        "Slides",
        "Do you need travel support?",
    ]
    edit = client.get(f"/manage/setup/cfp/questions/{question.id}").text
    assert "Yes\nNo\nMaybe" in edit
    assert actions(event).count("cfp.question.save") == 2


def test_a_file_question_needs_a_file_type(client, with_call):
    response = client.post(
        "/manage/setup/cfp/questions", data={"text": "Slides", "kind": "file", "max_file_kb": "10"}
    )
    assert response.status_code == 400
    assert 'id="file_kinds-error"' in response.text and "accepted file type" in response.text


def test_deleting_a_question_says_how_many_answers_go(client, with_call):
    _, event = with_call
    question_id = make_question(event, text="Why you?").id
    for _ in range(2):
        proposal = make_proposal(event)
        db.session.add(Answer(proposal_id=proposal.id, question_id=question_id, value="Because"))
    confirm = client.get(f"/manage/setup/cfp/questions/{question_id}/delete")
    assert "2 answers given so far will be deleted" in confirm.text
    assert client.post(f"/manage/setup/cfp/questions/{question_id}/delete").status_code == 302
    assert db.session.get(Question, question_id) is None
    assert db.session.scalar(select(Answer.id).where(Answer.question_id == question_id)) is None
    assert "cfp.question.delete" in actions(event)


# --- review criteria and phases ----------------------------------------------------------------


def test_criteria_limited_to_tracks_and_reordered(client, with_call):
    _, event = with_call
    methods = track(event)
    response = client.post(
        "/manage/setup/cfp/criteria",
        data={"name": "Rigour", "weight": "3", "scale_min": "0", "scale_max": "4",
              "track_ids": [str(methods.id)]},
    )  # fmt: skip
    assert response.status_code == 302
    rigour = db.session.scalar(select(ReviewCriterion).where(ReviewCriterion.name == "Rigour"))
    assert [t.id for t in rigour.tracks] == [methods.id]
    rigour_id = rigour.id
    page = client.get("/manage/setup/cfp/criteria").text
    assert "All tracks" in page and "Methods" in page
    client.post(f"/manage/setup/cfp/criteria/{rigour.id}/move", data={"direction": "up"})
    names = db.session.scalars(
        select(ReviewCriterion.name)
        .where(ReviewCriterion.event_id == event.id)
        .order_by(ReviewCriterion.position)
    ).all()
    assert names == ["Rigour", "Relevance"]
    bad = client.post(
        f"/manage/setup/cfp/criteria/{rigour.id}",
        data={"name": "Rigour", "weight": "3", "scale_min": "5", "scale_max": "1"},
    )
    assert bad.status_code == 400
    assert "above the lowest" in field_error(bad.text, "scale_max")
    assert client.post(f"/manage/setup/cfp/criteria/{rigour_id}/delete").status_code == 302
    assert db.session.get(ReviewCriterion, rigour_id) is None
    assert {"review.criterion_create", "review.criterion_delete"} <= set(actions(event))


PHASE = {
    "name": "First round",
    "starts_at": "2026-11-01",
    "starts_time": "00:00",
    "ends_at": "2027-03-28",
    "ends_time": "12:00",
    "can_review": "y",
    "others_reviews": "never",
}


def test_phases_explain_when_review_is_open(client, with_call):
    _, event = with_call
    assert "there are no phases, so review is open" in client.get("/manage/setup/cfp/phases").text
    response = client.post("/manage/setup/cfp/phases", data=PHASE)
    assert response.status_code == 302
    phase = db.session.scalar(select(ReviewPhase).where(ReviewPhase.event_id == event.id))
    assert phase.ends_at == dt.datetime(2027, 3, 28, 11, 0, tzinfo=UTC)  # WEST, UTC+1
    assert phase.others_reviews == OthersReviews.NEVER
    page = client.get("/manage/setup/cfp/phases").text
    assert "First round" in page
    # the real clock decides which phase runs; this one ends in 2027
    if phase.starts_at <= dt.datetime.now(UTC) < phase.ends_at:
        assert "is running" in page and "Current" in page
    overlapping = client.post("/manage/setup/cfp/phases", data={**PHASE, "name": "Second"})
    assert overlapping.status_code == 400
    assert "overlaps" in field_error(overlapping.text, "starts_at")
    backwards = client.post(
        "/manage/setup/cfp/phases",
        data={**PHASE, "name": "Third", "starts_at": "2028-01-02", "ends_at": "2028-01-01"},
    )
    assert "end after it starts" in field_error(backwards.text, "ends_at")
    edit = client.get(f"/manage/setup/cfp/phases/{phase.id}").text
    assert 'value="2027-03-28"' in edit and 'value="12:00"' in edit
    assert client.post(f"/manage/setup/cfp/phases/{phase.id}/delete").status_code == 302
    assert "review.phase_create" in actions(event) and "review.phase_delete" in actions(event)


# --- decision mails ---------------------------------------------------------------------------


def test_a_template_is_previewed_saved_and_reset(client, with_call):
    _, event = with_call
    url = "/manage/setup/cfp/mails/proposal_accepted"
    page = client.get(url)
    assert "{speaker_name}" in page.text and "the speaker&#39;s name" in page.text
    data = {
        "subject": "Yes! {proposal_title}",
        "body": "Dear {speaker_name}, see you at {event_name}.",
    }
    preview = client.post(url, data={**data, "preview": "Preview"})
    assert preview.status_code == 200
    assert "Dear Ada Lovelace, see you at Setup Workshop." in preview.text
    assert db.session.scalar(select(MailTemplate).where(MailTemplate.event_id == event.id)) is None

    assert client.post(url, data={**data, "submit": "Save"}).status_code == 302
    saved = db.session.scalar(select(MailTemplate).where(MailTemplate.event_id == event.id))
    assert saved.subject == "Yes! {proposal_title}"
    assert "Your own" in client.get("/manage/setup/cfp/mails").text

    confirm = client.get(f"{url}/reset")
    assert confirm.status_code == 200 and "built-in" in confirm.text
    assert client.post(f"{url}/reset").status_code == 302
    assert db.session.scalar(select(MailTemplate).where(MailTemplate.event_id == event.id)) is None
    assert {"mail_template.save", "mail_template.reset"} <= set(actions(event))


def test_an_unknown_placeholder_is_shown_next_to_the_field(client, with_call):
    url = "/manage/setup/cfp/mails/proposal_rejected"
    for button in ("preview", "submit"):
        response = client.post(
            url, data={"subject": "Sorry", "body": "Hello {speaker}, bye.", button: "x"}
        )
        assert response.status_code == 400
        assert "Unknown placeholder {speaker}" in field_error(response.text, "body")
        assert "Hello {speaker}, bye." in response.text


# --- extensions -----------------------------------------------------------------------------------


def test_an_extension_for_an_unknown_address_is_refused(client, with_call):
    _, event = with_call
    response = client.post(
        "/manage/setup/cfp/extensions",
        data={"email": "nobody@example.org", "until": "2027-01-10", "until_time": "23:59"},
    )
    assert response.status_code == 400
    assert "No account uses this address" in field_error(response.text, "email")
    assert 'value="nobody@example.org"' in response.text
    assert deadlines.extensions(event) == []


def test_an_extension_is_granted_in_event_time_and_revoked(client, with_call):
    _, event = with_call
    make_user(email="late@example.org", name="Lee Late")
    response = client.post(
        "/manage/setup/cfp/extensions",
        data={"email": "Late@Example.org", "until": "2027-07-01", "until_time": "12:00"},
    )
    assert response.status_code == 302
    (extension,) = deadlines.extensions(event)
    assert extension.until == dt.datetime(2027, 7, 1, 11, 0, tzinfo=UTC)  # WEST, UTC+1
    assert "Lee Late" in client.get("/manage/setup/cfp/extensions").text
    url = f"/manage/setup/cfp/extensions/{extension.id}/revoke"
    assert "Lee Late" in client.get(url).text
    assert client.post(url).status_code == 302
    assert deadlines.extensions(event) == []
    assert {"cfp.extension.grant", "cfp.extension.revoke"} <= set(actions(event))


# --- lists stay cheap --------------------------------------------------------------------------


def test_list_pages_query_count_does_not_grow(client, with_call, assert_constant_queries):
    _, event = with_call
    counter = iter(range(1000))

    def grow() -> None:
        for _ in range(4):
            n = next(counter)
            db.session.add(SessionType(event_id=event.id, name=f"Type {n}", duration_minutes=10))
            new_track = Track(event_id=event.id, name=f"Track {n}")
            db.session.add(new_track)
            make_question(event, text=f"Question {n}", kind=QuestionKind.SINGLE_CHOICE,
                          choices=["a", "b"])  # fmt: skip
            db.session.add(
                ReviewCriterion(event_id=event.id, name=f"Criterion {n}", tracks=[new_track])
            )
            db.session.add(
                ReviewPhase(
                    event_id=event.id,
                    name=f"Phase {n}",
                    starts_at=NOW + dt.timedelta(days=n),
                    ends_at=NOW + dt.timedelta(days=n, hours=12),
                )
            )
            user = make_user()
            db.session.add(
                CfpExtension(event_id=event.id, user_id=user.id, until=NOW, created_at=NOW)
            )
            db.session.flush()

    base = "/manage/setup/cfp"
    assert_constant_queries(
        [f"{base}/types", f"{base}/tracks", f"{base}/questions", f"{base}/criteria",
         f"{base}/phases", f"{base}/extensions", f"{base}/mails"],
        grow,
    )  # fmt: skip


def test_the_call_row_is_created_only_once(client, organizer):
    _, event = organizer
    client.post("/manage/setup/cfp", data=CALL_FORM)
    client.post("/manage/setup/cfp", data={**CALL_FORM, "text": "Changed"})
    calls = db.session.scalars(select(Cfp).where(Cfp.event_id == event.id)).all()
    assert len(calls) == 1 and calls[0].text == "Changed"
    assert actions(event).count("cfp.configure") == 2
