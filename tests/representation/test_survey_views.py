"""The survey pages for respondents and the organizers' set-up pages, through HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from organizer.enums import ProposalState
from organizer.services.representation import answering, defaults, survey, survey_setup
from tests.factories import (
    NOW,
    login_as,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)


@pytest.fixture
def organizer():
    return make_user()


@pytest.fixture
def event(organizer):
    event = make_event(
        organizer=organizer, starts_on=dt.date(2099, 3, 1), ends_on=dt.date(2099, 3, 2)
    )
    make_cfp(event)
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    return event


def url(event, suffix=""):
    return f"/{event.slug}/survey{suffix}"


def test_the_form_says_who_sees_what_and_asks_every_question(client, event):
    login_as(client, make_user())
    page = client.get(url(event)).get_data(as_text=True)
    assert "Who can see what" in page and "fewer than 5 people" in page
    assert survey.settings_of(event).consent_text in page
    for question in survey.questions_of(event):
        assert question.text in page
    assert page.count("Prefer not to say") == len(defaults.DEFAULT_QUESTIONS)
    assert 'type="checkbox" value="woman"' in page or 'value="woman"' in page


def test_fill_change_and_delete(client, event):
    user = make_user()
    login_as(client, user)
    answer = {
        "q_gender_identity": ["woman", "non_binary"],
        "q_region": "europe",
        "q_region__self": "",
        "consent": "y",
    }
    response = client.post(url(event), data=answer)
    assert response.status_code == 302
    mine = answering.my_response(event, user)
    assert mine.answers == {"gender_identity": ["woman", "non_binary"], "region": ["europe"]}
    page = client.get(url(event)).get_data(as_text=True)
    assert "You have answered" in page and mine.public_id in page
    response = client.post(
        url(event),
        data={
            "q_first_time": "yes",
            "public_id": mine.public_id,
            "consent": "y",
            "q_gender_identity__self": "femme",
        },
    )
    assert response.status_code == 302
    mine = answering.my_response(event, user)
    assert mine.answers == {"first_time": ["yes"]}
    assert mine.self_described == {"gender_identity": "femme"}
    assert client.get(url(event, "/delete")).status_code == 200
    assert client.post(url(event, "/delete")).status_code == 302
    assert answering.my_response(event, user) is None


def test_no_consent_keeps_the_input_and_saves_nothing(client, event):
    user = make_user()
    login_as(client, user)
    response = client.post(url(event), data={"q_region": "asia", "q_region__self": "Hi"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tick the box" in page and 'id="consent-error"' in page
    assert answering.my_response(event, user) is None
    response = client.post(
        url(event), data={"q_region": "asia", "q_region__self": "Hi", "consent": "y"}
    )
    assert response.status_code == 400
    assert 'id="q_region-error"' in response.get_data(as_text=True)


def test_unknown_option_and_forged_id(client, event):
    victim, forger = make_user(), make_user()
    theirs = answering.save_response(
        actor=victim,
        event=event,
        answers={"region": ["asia"]},
        self_described={},
        consent=True,
        response_public_id=None,
        now=NOW,
    )
    login_as(client, forger)
    response = client.post(url(event), data={"q_region": "mars", "consent": "y"})
    assert response.status_code == 400 and "is not one of the answers" in response.get_data(
        as_text=True
    )
    response = client.post(
        url(event), data={"q_region": "europe", "consent": "y", "public_id": theirs.public_id}
    )
    assert response.status_code == 403
    assert "only change your own" in response.get_data(as_text=True)
    assert answering.my_response(event, victim).answers == {"region": ["asia"]}
    assert answering.my_response(event, forger) is None


def test_no_survey_is_a_404_and_delete_without_answers_redirects(client, organizer):
    login_as(client, make_user())
    assert client.get(url(make_event())).status_code == 404
    event = make_event(organizer=organizer)
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    assert client.get(url(event, "/delete")).status_code == 302


def test_entry_points_appear_only_when_offered(client, event, organizer):
    speaker = make_user()
    proposal = make_proposal(event, speaker, state=ProposalState.SUBMITTED)
    programme = make_programme(event)
    application = make_application(programme, speaker)
    login_as(client, speaker)
    box = "Help us see who our call reaches (optional)"
    proposal_url = f"/{event.slug}/cfp/proposals/{proposal.public_id}"
    assert box in client.get(proposal_url).get_data(as_text=True)
    account = client.get("/account").get_data(as_text=True)
    assert "Your self-identification answers" in account and "not answered" in account
    grants_pages = [
        r.rule
        for r in client.application.url_map.iter_rules()
        if r.endpoint == "grants.application"
    ]
    application_url = grants_pages[0].replace("<event_slug>", event.slug)
    application_url = application_url.replace("<public_id>", application.public_id)
    assert box in client.get(application_url).get_data(as_text=True)
    info = survey.settings_of(event)
    survey_setup.save_settings(
        actor=organizer,
        event=event,
        k=info.k,
        purge_on=info.purge_on,
        is_open=False,
        consent_text=info.consent_text,
        now=NOW,
    )
    assert box not in client.get(proposal_url).get_data(as_text=True)
    assert "Your self-identification answers" not in client.get("/account").get_data(as_text=True)


# Set-up ------------------------------------------------------------------------------------


def test_setup_creates_the_survey_then_edits_it(client, organizer):
    event = make_event(organizer=organizer)
    login_as(client, organizer)
    setup = f"/manage/{event.slug}/representation/setup"
    page = client.get(setup).get_data(as_text=True)
    assert "Create the survey" in page
    assert client.post(setup, data={}).status_code == 302
    assert survey.settings_of(event).k == 5
    data = {"is_open": "y", "k": "2", "purge_on": "2027-12-01", "consent_text": "New text."}
    response = client.post(setup, data=data)
    assert response.status_code == 400 and "at least 3" in response.get_data(as_text=True)
    data["k"] = "8"
    assert client.post(setup, data=data).status_code == 302
    info = survey.settings_of(event)
    assert (info.k, info.purge_on, info.consent_version) == (8, dt.date(2027, 12, 1), 2)


def test_questions_setup(client, event, organizer):
    login_as(client, organizer)
    base = f"/manage/{event.slug}/representation/questions"
    page = client.get(base).get_data(as_text=True)
    assert "Survey questions" in page
    response = client.post(
        base,
        data={
            "text": "Which languages do you speak?",
            "kind": "multiple",
            "allow_self_describe": "y",
            "options": "English\nSwahili\n",
        },
    )
    assert response.status_code == 302
    question = survey.question_of(event, "which_languages_do_you_speak")
    assert [o.key for o in question.options] == ["english", "swahili", "prefer_not_to_say"]
    edit = f"{base}/region"
    assert client.get(edit).status_code == 200
    assert client.post(f"{edit}/options", data={"label": "Antarctica"}).status_code == 302
    assert survey.question_of(event, "region").option("antarctica")
    assert (
        client.post(f"{edit}/options/antarctica/retire", data={"retired": "1"}).status_code == 302
    )
    assert survey.question_of(event, "region").option("antarctica").retired
    assert client.post(f"{edit}/retire", data={"retired": "1"}).status_code == 302
    assert survey.question_of(event, "region").retired
    form = {"text": "Where do you live?", "explanation": "Why.", "allow_self_describe": "y"}
    assert client.post(edit, data=form).status_code == 302
    assert survey.question_of(event, "region").text == "Where do you live?"
    assert client.post(f"{base}/first_time/move", data={"direction": "up"}).status_code == 302
    keys = [q.key for q in survey.questions_of(event)]
    assert keys.index("first_time") < keys.index("region")
    assert client.get(f"{base}/nothing").status_code == 404
