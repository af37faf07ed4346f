"""The representation dashboard, CSV, report and targets, as organizers use them. Access
rules (who gets 403/404) are in test_access.py."""

from __future__ import annotations

import csv
import io
import re

import pytest
from pypdf import PdfReader

from organizer.enums import SurveyKind
from organizer.services.representation import answering, question_setup, survey_setup
from tests.factories import NOW, login_as, make_cfp, make_event, make_proposal, make_user


@pytest.fixture
def organizer():
    return make_user()


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer, slug="ws-2027", name="Workshop 2027")
    make_cfp(event)
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    return event


def answer(event, answers, *, speaker=False):
    user = make_user()
    if speaker:
        make_proposal(event, user)
    answering.save_response(
        actor=user,
        event=event,
        answers=answers,
        self_described={},
        consent=True,
        response_public_id=None,
        now=NOW,
    )
    return user


def fill(event, *, yes=15, no=3, silent=2, speakers=0):
    """yes/no/no answer to "first time?"; the first `speakers` respondents submitted talks."""
    given = [{"first_time": ["yes"]}] * yes + [{"first_time": ["no"]}] * no + [{}] * silent
    for index, answers in enumerate(given):
        answer(event, answers, speaker=index < speakers)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


ANSWERS = "/manage/ws-2027/representation/answers"


def test_overview_shows_the_funnel_and_one_line_per_question(
    client, organizer, event, exact_counts
):
    fill(event, speakers=3)
    login_as(client, organizer)
    response = client.get("/manage/ws-2027/representation")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text(html)
    assert "Stages and response rates" in page
    # One line per question, leading to its page; no per-question table or chart here.
    assert "See “Is this your first time at an event like this?”" in page
    assert f"{ANSWERS}?question=first_time&amp;stage=all" in html
    assert html.count("<table") == 1  # the funnel
    assert 'role="img"' not in html
    assert "75.0%" not in page
    # The picker: a GET form with labelled selects, and the full report.
    assert 'method="get"' in html and f'action="{ANSWERS}"' in html
    assert '<label for="question">Question</label>' in html
    assert '<label for="stage">Stage</label>' in html
    assert "Full report (PDF)" in page and "/manage/ws-2027/representation/report.pdf" in html
    # A small event is told so.
    assert "Most breakdowns cannot be published" in page


def test_picked_stage_shows_the_suppressed_table_and_its_chart(
    client, organizer, event, exact_counts
):
    fill(event, speakers=3)
    login_as(client, organizer)
    response = client.get(f"{ANSWERS}?question=first_time&stage=respondents")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text(html)
    assert "<h1>Is this your first time at an event like this?</h1>" in html
    # 15 of 20 said yes: published; 3 said no and 2 gave no answer: "fewer than 5".
    assert "75.0%" in page
    assert "fewer than 5" in page
    answers = html[html.index('id="answers-title"') :]
    assert not re.search(r"<td class=\"num\">\s*[1-4]\s*</td>", answers)
    # One table with its caption and an accessible chart beside it.
    assert "<caption>Is this your first time at an event like this? — Everyone who answered" in html
    assert answers.count('role="img"') == 1 and "<title id=" in html and "<desc id=" in html
    # The picker shows what is picked.
    assert '<option selected value="respondents">' in html
    # Three speakers answered: fewer than k, so no breakdown at that stage.
    at_talks = text(client.get(f"{ANSWERS}?question=first_time&stage=proposal_submitted").text)
    assert "Fewer than 5 respondents at this stage: no breakdown is shown." in at_talks
    assert "fewer than 5" in at_talks


def test_picked_question_across_stages_compares_shares_only(client, organizer, event, exact_counts):
    fill(event, yes=14, no=4, silent=2, speakers=8)
    login_as(client, organizer)
    html = client.get(f"{ANSWERS}?question=first_time&stage=all").get_data(as_text=True)
    page = text(html)
    assert "Is this your first time at an event like this?: shares across the stages" in page
    assert '<th scope="col" class="num">Proposals submitted' in html
    assert "70.0%" in page  # 14 of 20 everyone who answered
    # The 8 speakers all said yes: "8 of 8" would tell each speaker's answer.
    assert "not shown" in page and "fewer than 5" in page
    answers = html[html.index('id="answers-title"') :]
    assert not re.search(r"<td class=\"num\">\s*[1-4]\s*</td>", answers)
    assert "compared with Everyone" not in page  # differences only for the pairs defined
    assert 'role="img"' not in answers


def test_picked_view_hides_small_counts_with_the_noise_on(client, organizer, event):
    """As the site runs: whatever the noise draws, no count from 1 to k - 1 is printed."""
    fill(event, yes=12, no=4, silent=3, speakers=7)
    login_as(client, organizer)
    for stage in ("respondents", "proposal_submitted", "all"):
        html = client.get(f"{ANSWERS}?question=first_time&stage={stage}").get_data(as_text=True)
        answers = html[html.index('id="answers-title"') :]
        for value in re.findall(r"<td class=\"num\">\s*(\d+)\s*</td>", answers):
            assert not 0 < int(value) < 5, (stage, value)


def test_previous_and_next_questions_keep_the_stage(client, organizer, event):
    fill(event)
    login_as(client, organizer)
    first = client.get(f"{ANSWERS}?stage=respondents").get_data(as_text=True)
    assert "<h1>What is your gender identity? Choose all that apply.</h1>" in first
    assert "Previous question" not in first
    assert f'href="{ANSWERS}?question=trans_experience&amp;stage=respondents" rel="next"' in first
    last = client.get(f"{ANSWERS}?question=first_time").get_data(as_text=True)
    assert "Next question" not in last and 'rel="prev"' in last
    assert "All stages, compared" in last  # no stage given: all of them


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("question=nope&stage=all", "question", "This survey has no such question"),
        ("question=first_time&stage=nowhere", "stage", "There is no such stage"),
        # A real stage that nobody reached yet is not one to pick either.
        ("question=first_time&stage=grant_offered", "stage", "nobody has reached it yet"),
        ("question=%3Cb%3E&stage=%3Cb%3E", "question", "no such question"),
    ],
)
def test_an_invalid_pick_says_so(client, organizer, event, query, field, message):
    fill(event)
    login_as(client, organizer)
    response = client.get(f"{ANSWERS}?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert f'<select aria-describedby="{field}-hint {field}-error" aria-invalid="true"' in html
    assert "<b>" not in html
    assert 'id="answers-title"' not in html  # nothing shown for a bad pick


def test_an_event_without_a_survey_has_nothing_to_pick(client, organizer):
    make_event(organizer=organizer, slug="no-survey")
    login_as(client, organizer)
    response = client.get("/manage/no-survey/representation/answers?question=region")
    assert response.status_code == 200
    assert "The survey has no questions yet." in text(response.get_data(as_text=True))


def test_a_question_label_cannot_inject_markup(client, organizer, event):
    question_setup.update_question(
        actor=organizer,
        event=event,
        question_key="first_time",
        text='<script>alert("x")</script> & first?',
        explanation="",
        allow_self_describe=True,
        now=NOW,
    )
    fill(event)
    login_as(client, organizer)
    for url in ("/manage/ws-2027/representation", f"{ANSWERS}?question=first_time&stage=all"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert" in html


def test_csv_holds_no_count_below_k(client, organizer, event, exact_counts):
    fill(event, yes=14, no=4, silent=2, speakers=8)
    login_as(client, organizer)
    response = client.get("/manage/ws-2027/representation/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, body = rows[0], rows[1:]
    count = header.index("Count (with noise)")
    total = header.index("Respondents at stage (with noise)")
    note = header.index("Note")
    assert body
    assert "noise" in body[-1][note] and not any(body[-1][:note])
    body = body[:-1]
    for row in body:
        if row[count]:
            value, respondents = int(row[count]), int(row[total])
            assert not 0 < value < 5, row
            assert not 0 < respondents - value < 5, row
    first_time = [r for r in body if r[1] == "first_time" and r[3] == "respondents"]
    assert {r[6]: r[count] for r in first_time}["yes"] == "14"
    assert {r[6]: r[note] for r in first_time}["no"] == "fewer than 5"
    # The 8 speakers all said yes: "8 of 8" would tell each speaker's answer, so it is not
    # shown. (The old rules also withheld the zeros beside it; the zeros now carry noise
    # like every count, see test_attacks.py, so with the noise off here they show as 0.)
    at_talks = {r[6]: r for r in body if r[1] == "first_time" and r[3] == "proposal_submitted"}
    assert at_talks["yes"][count] == ""
    assert at_talks["yes"][note] == "not shown (would reveal a small group)"


def test_report_pdf_has_the_methodology_and_public_k(client, organizer, event, exact_counts):
    fill(event, yes=15, no=3, silent=2)
    login_as(client, organizer)
    page = text(client.get("/manage/ws-2027/representation/report").get_data(as_text=True))
    assert "Methodology" in page and "k = 10" in page
    # With k = 10 for the public report, 15 yes of 20 is hidden (5 others < 10).
    assert "fewer than 10" in page
    response = client.get("/manage/ws-2027/representation/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    content = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Methodology" in content
    assert "k = 10" in content
    assert "versions of the consent text, and records which: 1" in " ".join(content.split())
    assert "Is this your first time at an event like this?" in content


def test_pooling_two_editions(client, organizer, event, exact_counts):
    older = make_event(organizer=organizer, slug="ws-2026", name="Workshop 2026")
    survey_setup.ensure_survey(actor=organizer, event=older, now=NOW)
    fill(event, yes=2, no=2, silent=0)
    fill(older, yes=2, no=2, silent=0)
    login_as(client, organizer)
    overview = text(client.get("/manage/ws-2027/representation").get_data(as_text=True))
    assert "Workshop 2026" in overview  # offered for pooling
    question = f"{ANSWERS}?question=first_time&stage=respondents"
    alone = text(client.get(question).get_data(as_text=True))
    assert "Fewer than 5 respondents at this stage" in alone
    pooled_overview = client.get("/manage/ws-2027/representation?editions=ws-2026&mode=pool")
    html = pooled_overview.get_data(as_text=True)
    assert "Pooled editions: Workshop 2027, Workshop 2026" in text(html)
    # The picker and the questions' links carry the pooled editions along.
    assert '<input type="hidden" name="editions" value="ws-2026">' in html
    assert "question=first_time&amp;stage=all&amp;editions=ws-2026&amp;mode=pool" in html
    pooled = text(client.get(f"{question}&editions=ws-2026&mode=pool").get_data(as_text=True))
    assert "Pooled editions: Workshop 2027, Workshop 2026" in pooled
    # 8 respondents together: enough for a breakdown to be tried, each cell still small.
    assert "Fewer than 5 respondents at this stage" not in pooled
    assert "fewer than 5" in pooled
    # Compare: each edition on its own, side by side, on the question's page.
    compared = client.get(f"{question}&editions=ws-2026&mode=compare")
    assert compared.status_code == 200
    assert "Compared with other editions" in text(compared.get_data(as_text=True))
    assert "Compared with other editions" not in text(
        client.get("/manage/ws-2027/representation?editions=ws-2026&mode=compare").text
    )
    # An event the organizer cannot see is not accepted.
    stranger = make_user()
    survey_setup.ensure_survey(
        actor=stranger, event=make_event(organizer=stranger, slug="other-ws"), now=NOW
    )
    response = client.get("/manage/ws-2027/representation?editions=other-ws&mode=pool")
    assert "Pooled editions" not in text(response.get_data(as_text=True))


def test_targets_are_set_drawn_and_removed(client, organizer, event, exact_counts):
    fill(event)
    login_as(client, organizer)
    page = client.get("/manage/ws-2027/representation/targets")
    assert page.status_code == 200
    response = client.post(
        "/manage/ws-2027/representation/targets",
        data={"answer": "first_time:no", "stage": "respondents", "percent": "30"},
    )
    assert response.status_code == 302
    assert survey_setup.targets(event) == {("first_time", "no", "respondents"): 30}
    html = client.get(f"{ANSWERS}?question=first_time&stage=respondents").get_data(as_text=True)
    assert "target 30%" in html and "stroke-dasharray" in html
    bad = client.post(
        "/manage/ws-2027/representation/targets",
        data={"answer": "first_time:no", "stage": "respondents", "percent": "130"},
    )
    assert bad.status_code == 400
    client.post(
        "/manage/ws-2027/representation/targets",
        data={"answer": "first_time:no", "stage": "respondents", "percent": ""},
    )
    assert survey_setup.targets(event) == {}


def test_dashboard_queries_do_not_grow_with_respondents(
    client, assert_constant_queries, organizer, event
):
    login_as(client, organizer)
    sizes = iter([5, 35])  # 5 respondents, then 40

    def grow():
        fill(event, yes=next(sizes), no=0, silent=0, speakers=2)

    assert assert_constant_queries(["/manage/ws-2027/representation"], grow)


def test_queries_do_not_grow_with_questions_or_answers(
    client, assert_constant_queries, organizer, event
):
    """The overview and a picked question, at one stage and across the stages: each runs
    the same number of statements with one more question and more answers."""
    login_as(client, organizer)
    rounds = iter(range(2))

    def grow():
        number = next(rounds)
        question_setup.add_question(
            actor=organizer,
            event=event,
            text=f"Which language do you speak at home? ({number})",
            explanation="",
            kind=SurveyKind.MULTIPLE,
            allow_self_describe=True,
            options=["Portuguese", "English", "Other"],
            now=NOW,
        )
        fill(event, yes=6 + 10 * number, no=2, silent=1, speakers=3)

    assert assert_constant_queries(
        [
            "/manage/ws-2027/representation",
            f"{ANSWERS}?question=first_time&stage=respondents",
            f"{ANSWERS}?question=region&stage=all",
        ],
        grow,
    )
