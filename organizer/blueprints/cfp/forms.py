"""Forms of the call for talks. The proposal and profile forms are built per request, because
their fields depend on the event (custom questions, session types, tracks, event days)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from organizer.blueprints._forms import Form
from organizer.blueprints._question_fields import (
    add_question_fields,
    answers_and_files,
    saved_answers,
)
from organizer.enums import AVAILABILITY_LABELS
from organizer.models import Cfp, Event, Proposal, Question, SessionType, SpeakerProfile, Track
from organizer.services.cfp import profiles, proposals
from organizer.services.cfp.call import LEVEL_LABELS, language_name
from organizer.services.events import time_zone_names
from organizer.services.reviewing import questions as questions_service
from organizer.services.weblinks import LINK_LABEL_MAX, LINK_URL_MAX, LINKS_MAX

MARKDOWN_HINT = _l(
    "You can use Markdown: **bold**, *italic*, [links](https://example.org), lists with -."
)


class _ProposalBase(Form):
    creation_key = HiddenField()
    version = HiddenField()
    title = StringField(
        _l("Title"),
        description=_l("Short and specific; up to 200 characters."),
        render_kw={"maxlength": proposals.TITLE_MAX},
    )
    save_draft = SubmitField(_l("Save draft"))
    submit_proposal = SubmitField(_l("Submit proposal"))

    question_names: list[tuple[Question, str]]

    def as_input(self) -> proposals.ProposalInput:
        answers, files = answers_and_files(self, self.question_names)
        track = getattr(self, "track_id", None)
        return proposals.ProposalInput(
            title=self.title.data or "",
            abstract=self.abstract.data or "",
            session_type_id=_int_or_none(self.session_type_id.data),
            track_id=_int_or_none(track.data) if track is not None else None,
            description=self.description.data or "",
            notes=self.notes.data or "",
            language=self.language.data or "",
            level=self.level.data or "",
            answers=answers,
            files=files,
        )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def proposal_form(
    cfp: Cfp,
    session_types: list[SessionType],
    tracks: list[Track],
    questions: list[Question],
    *,
    proposal: Proposal | None = None,
    **kwargs: Any,
) -> _ProposalBase:
    """A proposal form for this call, pre-filled from `proposal` when there is one (GET)."""
    answers = (
        {a.question_id: a for a in proposals.answers_of(proposal)} if proposal is not None else {}
    )
    attrs = _proposal_fields(cfp, session_types, tracks)
    names = add_question_fields(attrs, questions, answers)
    form_class = type("ProposalForm", (_ProposalBase,), attrs)
    if proposal is not None:
        kwargs = {**_proposal_data(proposal), **saved_answers(names, answers), **kwargs}
    elif len(cfp.languages) == 1:
        kwargs.setdefault("language", cfp.languages[0])
    form = form_class(**kwargs)
    form.question_names = names
    return form


def _session_type_choice(session_type: SessionType) -> SelectChoice:
    t = session_type
    if t.max_speakers > 1:
        label = _(
            "%(name)s: %(minutes)s minutes, up to %(n)s speakers",
            name=t.name,
            minutes=t.duration_minutes,
            n=t.max_speakers,
        )
    else:
        label = _(
            "%(name)s: %(minutes)s minutes, one speaker", name=t.name, minutes=t.duration_minutes
        )
    return SelectChoice(str(t.id), label)


def _proposal_fields(
    cfp: Cfp, session_types: list[SessionType], tracks: list[Track]
) -> dict[str, Any]:
    """The fields of the call's proposal form, before its questions."""
    attrs: dict[str, Any] = {
        "abstract": TextAreaField(
            _l("Abstract"),
            description=_(
                "What reviewers read first: up to %(n)s characters.", n=cfp.abstract_max_length
            ),
            render_kw={"rows": 6, "maxlength": cfp.abstract_max_length},
        ),
        "description": TextAreaField(
            _l("Description (optional)"),
            description=_l(
                "Details for reviewers: outline, what people will learn. "
                "You can use Markdown: **bold**, *italic*, [links](https://example.org), "
                "lists with -."
            ),
            render_kw={"rows": 10},
        ),
        "session_type_id": RadioField(
            _l("Session type"),
            choices=[_session_type_choice(t) for t in session_types],
            validate_choice=False,
        ),
        "language": SelectField(
            _l("Language"),
            choices=[SelectChoice(code, language_name(code)) for code in cfp.languages],
            validate_choice=False,
        ),
        "level": RadioField(
            _l("Level (optional)"),
            choices=[
                SelectChoice("", _l("Not stated")),
                *(SelectChoice(k, v) for k, v in LEVEL_LABELS.items()),
            ],
            default="",
            validate_choice=False,
        ),
        "notes": TextAreaField(
            _l("Notes to the organizers (optional)"),
            description=_l(
                "Only organizers read these, e.g. access needs or dates you cannot make."
            ),
            render_kw={"rows": 4, "maxlength": proposals.NOTES_MAX},
        ),
    }
    if tracks:
        attrs["track_id"] = RadioField(
            _l("Track"),
            choices=[SelectChoice(str(t.id), t.name) for t in tracks],
            validate_choice=False,
        )
    return attrs


def _proposal_data(proposal: Proposal) -> dict[str, Any]:
    """What the form shows of a saved proposal."""
    return {
        "version": str(proposal.version),
        "title": proposal.title,
        "abstract": proposal.abstract,
        "description": proposal.description,
        "session_type_id": str(proposal.session_type_id),
        "track_id": str(proposal.track_id) if proposal.track_id else None,
        "language": proposal.language,
        "level": proposal.level,
        "notes": proposal.notes,
    }


class InviteForm(Form):
    email = EmailField(
        _l("Email address of your co-speaker"),
        validators=[
            InputRequired(_l("Enter the email address of the person to invite.")),
            Length(max=254, message=_l("Use at most 254 characters.")),
        ],
        description=_l("They get a link to join; they sign in or create an account with it."),
    )
    submit = SubmitField(_l("Invite co-speaker"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Confirm"))


class RespondForm(Form):
    confirm = SubmitField(_l("Yes, I will give it"))
    decline = SubmitField(_l("No, I have to decline"))


class _ProfileBase(Form):
    bio = TextAreaField(
        _l("Biography"),
        description=_l(
            "A few sentences in the third person, shown in the programme. "
            "You can use Markdown: **bold**, *italic*, [links](https://example.org), lists with -."
        ),
        render_kw={"rows": 6, "maxlength": profiles.BIO_MAX},
    )
    pronouns = StringField(
        _l("Pronouns (optional)"),
        description=_l("e.g. she/her, they/them. Shown next to your name."),
        render_kw={"maxlength": 40},
    )
    affiliation = StringField(
        _l("Affiliation (optional)"),
        description=_l("University, company or group, if any."),
        render_kw={"maxlength": 200},
    )
    handle = StringField(
        _l("Social media handle (optional)"),
        description=_l("e.g. @name@instance.social"),
        render_kw={"maxlength": 100, "autocapitalize": "none", "spellcheck": "false"},
    )
    website = URLField(
        _l("Website (optional)"),
        description=_l("A full address starting with https://"),
        render_kw={"maxlength": 300, "autocapitalize": "none", "spellcheck": "false"},
    )
    photo = FileField(
        _l("Photo (optional)"),
        description=_l(
            "PNG, JPEG or WebP, up to 2 MB. It is cut to a square from its centre, and kept "
            "without its metadata (camera, date, place)."
        ),
        render_kw={"accept": ".png,.jpg,.jpeg,.webp,image/png,image/jpeg,image/webp"},
    )
    remove_photo = BooleanField(_l("Remove my current photo"))
    photo_public = BooleanField(
        _l("Show this photo on my public speaker page"),
        description=_l(
            "Anyone can then see it on your speaker page once your session is in the "
            "published schedule. Otherwise only this event's organizers and your co-speakers "
            "see it (reviewers never do)."
        ),
    )
    photo_alt = StringField(
        _l("Describe your photo (optional)"),
        description=_l(
            "For people who cannot see it, e.g. “Ana smiling in front of a bookshelf”. "
            "Left empty, it reads as your name."
        ),
        validators=[
            Length(
                max=profiles.PHOTO_ALT_MAX,
                message=_l("Use at most %(max)d characters."),
            )
        ],
        render_kw={"maxlength": profiles.PHOTO_ALT_MAX},
    )
    remote = BooleanField(
        _l("I will speak remotely"),
        description=_l("You give your talk from elsewhere, through a stream or a video call."),
    )
    timezone = SelectField(
        _l("My time zone"),
        validate_choice=False,
        description=_l(
            "Only used if you speak remotely, so that organizers can talk about times in "
            "your own zone."
        ),
    )
    needs_step_free = BooleanField(
        _l("I need step-free access to the room and stage"),
        description=_l(
            "Shared only with the organizers, so that your session is in a room you can reach."
        ),
    )
    submit = SubmitField(_l("Save profile"))

    day_fields: list[tuple[dt.date, str]]
    link_fields: list[tuple[int, str, str]]  # number, label field's name, address field's name

    def as_input(self) -> profiles.ProfileInput:
        photo = self.photo.data
        return profiles.ProfileInput(
            bio=self.bio.data or "",
            pronouns=self.pronouns.data or "",
            affiliation=self.affiliation.data or "",
            handle=self.handle.data or "",
            website=(self.website.data or "").strip(),
            availability={
                day.isoformat(): self[name].data for day, name in self.day_fields if self[name].data
            },
            photo=(
                questions_service.FileInput(photo.stream, photo.filename)
                if photo is not None and getattr(photo, "filename", "")
                else None
            ),
            remove_photo="remove_photo" in self._fields and bool(self.remove_photo.data),
            photo_public=bool(self.photo_public.data),
            photo_alt=self.photo_alt.data or "",
            links=tuple(
                (self[label].data or "", self[url].data or "")
                for _n, label, url in self.link_fields
            ),
            remote=bool(self.remote.data),
            timezone=self.timezone.data or "",
            needs_step_free=bool(self.needs_step_free.data),
        )


def _hours(part: str) -> str:
    span = profiles.AVAILABILITY[part]
    if span is None:
        return str(AVAILABILITY_LABELS[part])
    start, end = span
    return _(
        "%(part)s (%(start)s to %(end)s)",
        part=AVAILABILITY_LABELS[part],
        start=start.strftime("%H:%M"),
        end=end.strftime("%H:%M"),
    )


def _saved_scheduling(event: Event, profile: SpeakerProfile | None) -> dict[str, Any]:
    """The schedule answers of a saved profile (or the defaults), as the form's first values;
    the time zone defaults to the event's."""
    zone = event.timezone
    if profile is None:
        return {"remote": False, "timezone": zone, "needs_step_free": False}
    return {
        "remote": profile.remote,
        "timezone": profile.timezone or zone,
        "needs_step_free": profile.needs_step_free,
    }


def profile_form(
    days: list[dt.date],
    *,
    has_photo: bool,
    event: Event,
    profile: SpeakerProfile | None,
    **kwargs: Any,
) -> _ProfileBase:
    """The profile form for the event's `days`. The schedule answers (remote, time zone,
    step-free) start from the saved `profile` of `event`."""
    for name, value in _saved_scheduling(event, profile).items():
        kwargs.setdefault(name, value)
    attrs: dict[str, Any] = {}
    names = []
    choices = [SelectChoice(part, _hours(part)) for part in profiles.AVAILABILITY]
    for day in days:
        name = f"availability-{day.isoformat()}"
        attrs[name] = RadioField(
            format_date(day, "full"), choices=choices, default="all", validate_choice=False
        )
        names.append((day, name))
    links = _link_fields(attrs)
    for name, value in _saved_photo_and_links(profile).items():
        kwargs.setdefault(name, value)
    form_class = type("ProfileForm", (_ProfileBase,), attrs)
    form = form_class(**kwargs)
    form.timezone.choices = [SelectChoice(zone, zone) for zone in time_zone_names()]
    form.day_fields = names
    form.link_fields = links
    if not has_photo:
        del form.remove_photo
    return form


def _link_fields(attrs: dict[str, Any]) -> list[tuple[int, str, str]]:
    """Add LINKS_MAX pairs of fields (label, address) to `attrs`; their numbers and names."""
    names = []
    for n in range(1, LINKS_MAX + 1):
        label, url = f"link-label-{n}", f"link-url-{n}"
        attrs[label] = StringField(
            _l("Label of link %(n)s", n=n),
            validators=[Length(max=LINK_LABEL_MAX, message=_l("Use at most %(max)d characters."))],
            render_kw={"maxlength": LINK_LABEL_MAX},
        )
        attrs[url] = URLField(
            _l("Address of link %(n)s", n=n),
            render_kw={
                "maxlength": LINK_URL_MAX,
                "autocapitalize": "none",
                "spellcheck": "false",
                "placeholder": "https://",
            },
        )
        names.append((n, label, url))
    return names


def _saved_photo_and_links(profile: SpeakerProfile | None) -> dict[str, Any]:
    """The photo's consent and description and the links of a saved profile, as the form's
    first values."""
    if profile is None:
        return {}
    values: dict[str, Any] = {
        "photo_public": bool(profile.photo_public),
        "photo_alt": profile.photo_alt or "",
    }
    for n, link in enumerate(profile.links or [], start=1):
        if n <= LINKS_MAX and isinstance(link, dict):
            values[f"link-label-{n}"] = link.get("label", "")
            values[f"link-url-{n}"] = link.get("url", "")
    return values
