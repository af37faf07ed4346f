"""Forms of the committee pages: the list's filters, decisions, tags, redaction, assignment,
rounds and reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from organizer.blueprints._common import DateInput
from organizer.blueprints._forms import Form
from organizer.enums import ProposalState
from organizer.services.cfp.decisions import SORTS, STATE_LABELS, ListFilters

SORT_LABELS = {
    "id": _l("Oldest first"),
    "title": _l("Title"),
    "score": _l("Mean score, best first"),
    "reviews": _l("Fewest reviews first"),
    "state": _l("State"),
}
OUTCOMES = ("accepted", "rejected", "waitlisted", "undo")
PUBLISH_DAYS_AHEAD = 14  # the default confirmation deadline of a round: two weeks from today
OUTCOME_LABELS = {
    "accepted": _l("Accept"),
    "rejected": _l("Reject"),
    "waitlisted": _l("Waiting list"),
    "undo": _l("Undo the pending decision"),
}


def outcome_state(value: str) -> ProposalState | None:
    """A form's outcome as the service's argument: None undoes."""
    return None if value == "undo" else ProposalState(value)


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _choices(anything: Any, items: Any) -> list[SelectChoice]:
    return [SelectChoice("", anything), *(SelectChoice(str(i.id), i.name) for i in items)]


class FilterForm(Form):
    """The list's filters, sent with GET so that a filtered list has its own address."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), validators=[Optional()])
    track = SelectField(_l("Track"), validators=[Optional()])
    type = SelectField(_l("Session type"), validators=[Optional()])
    tag = SelectField(_l("Tag"), validators=[Optional()])
    min_score = FloatField(
        _l("Minimum mean score"),
        validators=[
            Optional(),
            NumberRange(min=0, max=10, message=_l("Enter a score from 0 to 10.")),
        ],
        description=_l("From 0 to 10. Proposals without scores are left out when this is set."),
        render_kw={"inputmode": "decimal"},
    )
    q = SearchField(
        _l("Search"),
        validators=[Optional(), Length(max=200, message=_l("Use at most 200 characters."))],
        description=_l("Title, abstract, speakers' names and email addresses."),
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[SelectChoice(key, SORT_LABELS[key]) for key in SORTS],
        default="id",
        validators=[Optional()],
    )
    submit = SubmitField(_l("Show"))

    def __init__(self, *args: Any, tracks=(), types=(), tags=(), **kwargs: Any) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        states = [s for s in ProposalState if s != ProposalState.DRAFT]
        self.state.choices = [
            SelectChoice("", _l("Any state")),
            SelectChoice("pending", _l("With a pending decision")),
            *(SelectChoice(s.value, STATE_LABELS[s]) for s in states),
        ]
        self.track.choices = _choices(_l("Any track"), tracks)
        self.type.choices = _choices(_l("Any type"), types)
        self.tag.choices = _choices(_l("Any tag"), tags)

    def filters(self) -> ListFilters:
        """What the service filters on; values that did not validate are ignored."""
        valid = {name for name, field in self._fields.items() if not field.errors}
        return ListFilters(
            state=(self.state.data or "") if "state" in valid else "",
            track_id=_optional_int(self.track.data) if "track" in valid else None,
            session_type_id=_optional_int(self.type.data) if "type" in valid else None,
            tag_id=_optional_int(self.tag.data) if "tag" in valid else None,
            min_score=self.min_score.data if "min_score" in valid else None,
            query=(self.q.data or "").strip() if "q" in valid else "",
            sort=self.sort.data if "sort" in valid and self.sort.data in SORTS else "id",
        )

    def values(self) -> dict[str, str]:
        """The filters as query arguments, for links that keep them (pagination, export)."""
        values = {}
        for name in ("state", "track", "type", "tag", "min_score", "q", "sort"):
            raw = self._fields[name].raw_data
            if raw and raw[0] not in ("", None):
                values[name] = str(raw[0])
        return values


class BulkDecisionForm(Form):
    proposals = SelectMultipleField(_l("Proposals"), validate_choice=False)
    outcome = RadioField(
        _l("Decision for the selected proposals"),
        choices=[SelectChoice(key, OUTCOME_LABELS[key]) for key in OUTCOMES],
        validators=[InputRequired(_l("Choose a decision."))],
    )
    back = HiddenField()
    submit = SubmitField(_l("Apply to selected"))


class DecideForm(Form):
    outcome = HiddenField(validators=[InputRequired(), AnyOf(OUTCOMES)])
    back = HiddenField()


class TagsForm(Form):
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=1000, message=_l("Use at most 1,000 characters."))],
        description=_l("Separate tags with commas, e.g. needs mentor, industry."),
    )
    submit = SubmitField(_l("Save tags"))

    def names(self) -> list[str]:
        return [name.strip() for name in (self.tags.data or "").split(",") if name.strip()]


class RedactionForm(Form):
    title = StringField(
        _l("Title reviewers see"),
        validators=[Optional(), Length(max=200, message=_l("Use at most 200 characters."))],
    )
    abstract = TextAreaField(_l("Abstract reviewers see"), render_kw={"rows": 5})
    description = TextAreaField(_l("Description reviewers see"), render_kw={"rows": 8})
    submit = SubmitField(_l("Save what reviewers see"))


class RedactedFileForm(Form):
    file = FileField(
        _l("Redacted version"),
        description=_l(
            "Reviewers get this file instead of the speaker's (its metadata removed too). The "
            "speaker's file stays as it is, for you and the speakers."
        ),
    )
    submit = SubmitField(_l("Upload the redacted version"))


class AssignForm(Form):
    reviewer = SelectField(
        _l("Reviewer"), coerce=int, validators=[InputRequired(_l("Choose a reviewer."))]
    )
    submit = SubmitField(_l("Assign"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Confirm"))


class AutoAssignForm(Form):
    per_proposal = IntegerField(
        _l("Reviews per proposal"),
        validators=[
            InputRequired(_l("Enter how many reviewers each proposal needs.")),
            NumberRange(min=1, max=20, message=_l("Choose from 1 to 20.")),
        ],
        description=_l(
            "Existing assignments count. Nobody gets a proposal they speak on or declared a "
            "conflict on."
        ),
    )
    submit = SubmitField(_l("Assign reviewers automatically"))


class SendNowForm(Form):
    """Decide on one proposal and mail its speakers at once (the proposal's page)."""

    outcome = RadioField(
        _l("Decision"),
        choices=[SelectChoice(key, OUTCOME_LABELS[key]) for key in OUTCOMES if key != "undo"],
        validators=[InputRequired(_l("Choose accept, reject or waiting list."))],
    )
    respond_on = DateInput(
        _l("If accepted, the speakers confirm by (date)"),
        validators=[InputRequired(_l("Enter the date as YYYY-MM-DD."))],
    )
    respond_at = TimeField(
        _l("Time"),
        validators=[InputRequired(_l("Enter the time as HH:MM, e.g. 23:59."))],
        default=dt.time(23, 59),
    )
    submit = SubmitField(_l("Decide and send the mail now"))


class PublishForm(Form):
    respond_on = DateInput(
        _l("Speakers confirm by (date)"),
        validators=[InputRequired(_l("Enter the date as YYYY-MM-DD."))],
    )
    respond_at = TimeField(
        _l("Time"),
        validators=[InputRequired(_l("Enter the time as HH:MM, e.g. 23:59."))],
        default=dt.time(23, 59),
    )
    expected = HiddenField()
    preview = SubmitField(_l("Update the preview"))
    submit = SubmitField(_l("Publish the decisions and send the mails"))
