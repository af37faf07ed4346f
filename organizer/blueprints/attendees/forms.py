"""The attendee list's filters, sent with GET so that a filtered list has its own address."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from organizer.blueprints._forms import Form
from organizer.enums import RegistrationState, ReservedFor
from organizer.models import PlaceKind
from organizer.services.registration.attendees import NOT_RESERVED, AttendeeFilters

FIELDS = ("state", "place", "reserved", "waived", "checked_in", "q")
WITHOUT_KIND = "none"


def _yes_no(anything: Any) -> list[SelectChoice]:
    return [
        SelectChoice("", anything),
        SelectChoice("yes", _l("Yes")),
        SelectChoice("no", _l("No")),
    ]


def _boolean(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class FilterForm(Form):
    class Meta:
        csrf = False

    state = SelectField(_l("State"), validators=[Optional()])
    place = SelectField(_l("Kind of place"), validators=[Optional()])
    reserved = SelectField(_l("Reserved seat"), validators=[Optional()])
    waived = SelectField(_l("Fee waived"), choices=_yes_no(_l("Either")), validators=[Optional()])
    checked_in = SelectField(
        _l("Checked in"), choices=_yes_no(_l("Either")), validators=[Optional()]
    )
    q = SearchField(
        _l("Name"),
        validators=[Optional(), Length(max=200, message=_l("Use at most 200 characters."))],
        description=_l("Badge name or account name; accents and case do not matter."),
    )

    def __init__(self, *args: Any, kinds: list[PlaceKind] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.state.choices = [
            SelectChoice("", _l("Any state")),
            *(SelectChoice(s.value, s.label) for s in RegistrationState),
        ]
        self.place.choices = [
            SelectChoice("", _l("Any kind")),
            *(SelectChoice(str(k.id), k.name) for k in kinds),
            SelectChoice(WITHOUT_KIND, _l("No kind of place")),
        ]
        self.reserved.choices = [
            SelectChoice("", _l("Reserved or not")),
            *(SelectChoice(r.value, r.label) for r in ReservedFor),
            SelectChoice(NOT_RESERVED, _l("Not reserved")),
        ]

    def filters(self) -> AttendeeFilters:
        """What the service filters on; values that did not validate are ignored."""
        valid = {name for name, field in self._fields.items() if not field.errors}

        def value(name: str) -> str:
            return (self._fields[name].data or "") if name in valid else ""

        place = value("place")
        return AttendeeFilters(
            state=RegistrationState(value("state")) if value("state") else None,
            place_kind_id=0 if place == WITHOUT_KIND else int(place) if place.isdigit() else None,
            reserved_for=value("reserved"),
            waived=_boolean(value("waived")),
            checked_in=_boolean(value("checked_in")),
            query=value("q").strip(),
        )

    def values(self) -> dict[str, str]:
        """The filters as query arguments, for links that keep them (pagination, export)."""
        values = {}
        for name in FIELDS:
            raw = self._fields[name].raw_data
            if raw and raw[0] not in ("", None) and not self._fields[name].errors:
                values[name] = str(raw[0])
        return values


class DecideForm(Form):
    """Approve or turn down one registration waiting for approval."""

    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Turn down"))
