"""The aggregates: counts per question and stage, with the sums of the record keys that
services/noise.py turns into noise. Suppression is services/suppression.py's job.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from organizer import permissions
from organizer.enums import SurveyKind
from organizer.extensions import db
from organizer.models import Event, SurveyAnswer, SurveyLink, SurveyResponse, SurveySettings, User
from organizer.services import noise
from organizer.services.representation.pipeline import RESPONDENTS, STAGES, stage_people, stages_for
from organizer.services.representation.survey import (
    DEFAULT_K,
    NO_ANSWER,
    SELF_DESCRIBED,
    QuestionInfo,
    question_info,
    question_rows,
    settings_row,
)


@dataclasses.dataclass(frozen=True)
class Cell:
    key: str  # an option key, SELF_DESCRIBED or NO_ANSWER
    label: str
    count: int
    key_sum: int = 0  # the record keys of the people counted, summed (services/noise.py)


@dataclasses.dataclass(frozen=True)
class QuestionTable:
    question_key: str
    stage_key: str
    respondents: int
    answered: int
    cells: list[Cell]
    key_sum: int = 0  # everyone at the stage: record keys with answers, summed (content_key)


@dataclasses.dataclass(frozen=True)
class StageSummary:
    key: str
    label: str
    people: int
    respondents: int
    key_sum: int = 0  # the record keys of the respondents at the stage, summed


@dataclasses.dataclass(frozen=True)
class Tabulation:
    event_ids: list[int]
    stages: list[StageSummary]
    questions: list[QuestionInfo]
    tables: dict[tuple[str, str], QuestionTable]
    k: int


def tabulate(events: list[Event]) -> Tabulation:
    """Counts per question and stage, pooled over `events` by question and option keys (the
    first event's questions give the order and wording). A linked response counts at the
    stages its person is at now (what `refresh_stages` would store); an anonymous one at its
    stored flags. Reads only, so a page showing the counts writes nothing. Cells are raw
    counts with the sums of their record keys: noise and suppression are the caller's job
    (`suppression.summarise`)."""
    questions: dict[str, QuestionInfo] = {}
    option_keys: dict[int, tuple[str, str]] = {}  # option id -> (question key, option key)
    question_keys: dict[int, str] = {}
    people_at: dict[str, int] = {s.key: 0 for s in STAGES}
    ks: list[int] = []
    records: dict[int, Record] = {}  # response id -> what the tables count of it
    for event in events:
        settings = settings_row(event)
        if settings is not None:
            ks.append(settings.k)
        people = stage_people(event)
        for key, ids in people.items():
            people_at[key] += len(ids)
        for question in question_rows(event):
            info = question_info(question)
            question_keys[question.id] = question.key
            for option in question.options:
                option_keys[option.id] = (question.key, option.key)
            if question.key not in questions:
                questions[question.key] = info
            else:
                known = questions[question.key]
                extra = [o for o in info.options if known.option(o.key) is None]
                if extra:
                    questions[question.key] = dataclasses.replace(
                        known, options=known.options + extra
                    )
        for response_id, stages, record_key, user_id in db.session.execute(
            select(
                SurveyResponse.id,
                SurveyResponse.stages,
                SurveyResponse.record_key,
                SurveyLink.user_id,
            )
            .outerjoin(SurveyLink, SurveyLink.response_id == SurveyResponse.id)
            .where(SurveyResponse.event_id == event.id)
        ):
            if user_id is not None:
                stages = stages_for(user_id, people)
            records[response_id] = Record(record_key=record_key, stages=list(stages or []))
        for response_id, question_id, option_id, text in db.session.execute(
            select(
                SurveyAnswer.response_id,
                SurveyAnswer.question_id,
                SurveyAnswer.option_id,
                SurveyAnswer.self_described,
            )
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyResponse.event_id == event.id)
        ):
            record = records[response_id]
            if option_id is not None:
                question_key, option_key = option_keys[option_id]
                record.chosen.setdefault(question_key, set()).add(option_key)
            elif text is not None:
                record.described.add(question_keys[question_id])
    return count_tables(
        list(records.values()),
        list(questions.values()),
        people_at=people_at,
        event_ids=[e.id for e in events],
        k=max(ks, default=DEFAULT_K),
    )


@dataclasses.dataclass
class Record:
    """One response as the tables count it: no answer text, no person."""

    record_key: int
    stages: list[str]  # pipeline stages reached, without "respondents"
    chosen: dict[str, set[str]] = dataclasses.field(default_factory=dict)  # question -> options
    described: set[str] = dataclasses.field(default_factory=set)  # questions self-described

    def content_key(self) -> int:
        answers = [(q, o) for q, options in self.chosen.items() for o in options]
        answers.extend((q, SELF_DESCRIBED) for q in self.described)
        return noise.content_key(self.record_key, answers)


def count_tables(
    records: list[Record],
    questions: list[QuestionInfo],
    *,
    people_at: dict[str, int],
    event_ids: list[int],
    k: int,
) -> Tabulation:
    """The tables of `tabulate`, from records already read (pure: no database)."""
    people_at = {**people_at, RESPONDENTS.key: len(records)}
    at_stages = {
        s.key: [r for r in records if s.key == RESPONDENTS.key or s.key in r.stages] for s in STAGES
    }
    stage_sums = {key: noise.key_sum(r.record_key for r in rs) for key, rs in at_stages.items()}
    contents = {id(r): r.content_key() for r in records}
    content_sums = {
        key: noise.key_sum(contents[id(r)] for r in rs) for key, rs in at_stages.items()
    }
    tables: dict[tuple[str, str], QuestionTable] = {}
    for question in questions:
        for stage in STAGES:
            at_stage = at_stages[stage.key]
            members: dict[str, list[int]] = {o.key: [] for o in question.options}
            self_keys: list[int] = []
            silent: list[int] = []
            for record in at_stage:
                picked = record.chosen.get(question.key, set())
                wrote = question.key in record.described
                if question.kind == SurveyKind.SINGLE and picked:
                    picked, wrote = {sorted(picked)[0]} if len(picked) > 1 else picked, False
                for option_key in picked:
                    members.setdefault(option_key, []).append(record.record_key)
                if wrote:
                    self_keys.append(record.record_key)
                if not picked and not wrote:
                    silent.append(record.record_key)
            cells = [
                Cell(o.key, o.label, len(members[o.key]), noise.key_sum(members[o.key]))
                for o in question.options
                if not o.retired or members[o.key]
            ]
            cells.append(
                Cell(
                    SELF_DESCRIBED,
                    str(_l("Self-described")),
                    len(self_keys),
                    noise.key_sum(self_keys),
                )
            )
            cells.append(Cell(NO_ANSWER, str(_l("No answer")), len(silent), noise.key_sum(silent)))
            tables[(question.key, stage.key)] = QuestionTable(
                question_key=question.key,
                stage_key=stage.key,
                respondents=len(at_stage),
                answered=len(at_stage) - len(silent),
                cells=cells,
                key_sum=content_sums[stage.key],
            )
    return Tabulation(
        event_ids=event_ids,
        stages=[
            StageSummary(
                key=s.key,
                label=str(s.label),
                people=people_at.get(s.key, 0),
                respondents=len(at_stages[s.key]),
                key_sum=stage_sums[s.key],
            )
            for s in STAGES
        ],
        questions=questions,
        tables=tables,
        k=k,
    )


def comparable_events(event: Event, user: User) -> list[Event]:
    """Other events with a survey whose representation the user may view, newest first."""
    candidates = db.session.scalars(
        select(Event)
        .join(SurveySettings, SurveySettings.event_id == Event.id)
        .where(Event.id != event.id)
        .order_by(Event.starts_on.desc(), Event.id.desc())
    )
    return [e for e in candidates if permissions.can_view_representation(user, e)]
