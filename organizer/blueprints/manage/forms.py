from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from organizer.blueprints._common import DateInput, attach_errors, event_address_field
from organizer.blueprints._forms import Form
from organizer.enums import EventRoleName
from organizer.errors import ValidationFailed
from organizer.models import Event
from organizer.models.base import slugify
from organizer.services.events import EventDetails, validate_details

MARKDOWN_HINT = _l(
    "You can use Markdown: **bold**, *italic*, [links](https://example.org), lists with -."
)


class EventForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(_l("Enter the event's name.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    slug = event_address_field(
        format_message=_l("Use lower-case letters, digits and hyphens, e.g. mlworkshop-2027."),
        description=_l("The event's pages live at /this-address/. Changing it breaks old links."),
    )
    timezone = StringField(
        _l("Time zone"),
        validators=[
            InputRequired(_l("Enter the time zone of the venue.")),
            Length(max=64, message=_l("Use at most 64 characters.")),
        ],
        description=_l("The venue's IANA time zone, e.g. Europe/Lisbon. Times are shown in it."),
        render_kw={"list": "timezones", "autocapitalize": "none", "spellcheck": "false"},
    )
    starts_on = DateInput(
        _l("First day"), validators=[InputRequired(_l("Enter the first day as YYYY-MM-DD."))]
    )
    ends_on = DateInput(
        _l("Last day"), validators=[InputRequired(_l("Enter the last day as YYYY-MM-DD."))]
    )
    venue = StringField(
        _l("Venue"),
        validators=[Optional(), Length(max=300, message=_l("Use at most 300 characters."))],
        description=_l("Name and address, as attendees should find it."),
    )
    currency = StringField(
        _l("Currency"),
        validators=[
            InputRequired(_l("Enter a currency code.")),
            Length(min=3, max=3, message=_l("Use a three-letter code such as EUR.")),
        ],
        description=_l("ISO 4217 code used for grants and budgets, e.g. EUR, USD, JPY."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    contact_email = EmailField(
        _l("Contact email"),
        validators=[
            Optional(),
            Length(max=254, message=_l("Use at most 254 characters.")),
            Email(
                message=_l("Enter an email address like team@example.org."),
                check_deliverability=False,
            ),
        ],
        description=_l("Where attendees and applicants can reach the organizers."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000, message=_l("Use at most 20,000 characters."))],
        description=MARKDOWN_HINT,
        render_kw={"rows": 8},
    )
    code_of_conduct = TextAreaField(
        _l("Code of conduct"),
        validators=[Optional(), Length(max=20000, message=_l("Use at most 20,000 characters."))],
        description=_l(
            "People accept it when they register; once registration is set up, each change "
            "is stored as a new version. You can use Markdown: **bold**, *italic*, "
            "[links](https://example.org), lists with -."
        ),
        render_kw={"rows": 8},
    )
    accounting_retention_years = IntegerField(
        _l("Keep grant receipts and payouts of deleted accounts for (years)"),
        default=10,
        validators=[
            Optional(),
            NumberRange(min=1, max=30, message=_l("Use a number of years from 1 to 30.")),
        ],
        description=_l(
            "When someone deletes their account, their receipts and payouts stay, without "
            "their name, until the end of the year this many years after the event; then the "
            "daily purge removes them. Use what your accounting law asks (10 years in Germany "
            "and France, 6 in the UK)."
        ),
    )
    is_public = BooleanField(
        _l("Public: list the event on the home page and show its pages to everyone")
    )
    require_two_factor = BooleanField(
        _l("Require two-factor sign-in of everyone on the team"),
        description=_l(
            "Organizers, reviewers and grant reviewers then need a code from an authenticator "
            "app to open this event's management and review pages; whoever has not set it up "
            "is asked to first. You need it on your own account to switch this on."
        ),
    )
    submit = SubmitField(_l("Save event"))

    def __init__(self, *args: Any, event: Event | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event

    def details(self) -> EventDetails:
        return EventDetails(
            slug=self.slug.data,
            name=self.name.data,
            timezone=self.timezone.data.strip(),
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            venue=self.venue.data or "",
            currency=self.currency.data.strip().upper(),
            description=self.description.data or "",
            code_of_conduct=self.code_of_conduct.data or "",
            contact_email=(self.contact_email.data or "").strip().lower(),
            is_public=bool(self.is_public.data),
            accounting_retention_years=(
                self.accounting_retention_years.data
                if self.accounting_retention_years.data is not None
                else (self.event.accounting_retention_years if self.event else 10)
            ),
            require_two_factor=bool(self.require_two_factor.data),
        )

    def validate(self, extra_validators: Any = None) -> bool:
        """The field checks, plus the service's rules (unique address, known time zone and
        currency, dates in order), so that every problem is shown at once, next to its field.
        A new event whose address is left empty gets one made from its name ("Coastal NLP
        2027" -> "coastal-nlp-2027"), checked like a typed one (the form's script suggests the
        same while the name is typed)."""
        if self.event is None and not (self.slug.data or "").strip() and self.name.data:
            suggested = slugify(self.name.data, fallback="")[:50].strip("-")
            if suggested:
                self.slug.data, self.slug.raw_data = suggested, [suggested]
        valid = super().validate(extra_validators)
        if self.starts_on.data is None or self.ends_on.data is None:
            return False
        try:
            validate_details(self.details(), event=self.event)
        except ValidationFailed as error:
            attach_errors(self, error.errors)
            return False
        return valid


ROLE_CHOICES = [
    SelectChoice(
        EventRoleName.ORGANIZER.value, _l("Organizer: runs the event, its team and its settings")
    ),
    SelectChoice(EventRoleName.REVIEWER.value, _l("Reviewer: reviews talk proposals")),
    SelectChoice(
        EventRoleName.GRANT_REVIEWER.value, _l("Grant reviewer: reviews grant applications")
    ),
    SelectChoice(
        EventRoleName.ACCESS_COORDINATOR.value,
        _l("Access coordinator: sees each registered person's access needs, to arrange them"),
    ),
    SelectChoice(
        EventRoleName.CHECK_IN.value, _l("Check-in volunteer: marks people attended at the door")
    ),
]


class InviteForm(Form):
    email = EmailField(
        _l("Email address"),
        validators=[
            InputRequired(_l("Enter the email address to invite.")),
            Length(max=254, message=_l("Use at most 254 characters.")),
            Email(
                message=_l("Enter an email address like name@example.org."),
                check_deliverability=False,
            ),
        ],
    )
    role = RadioField(
        _l("Role"),
        choices=ROLE_CHOICES,
        default=EventRoleName.REVIEWER.value,
        validators=[InputRequired(_l("Choose a role."))],
    )
    submit = SubmitField(_l("Send invitation"))


class ConfirmForm(Form):
    """An empty form: a CSRF token and a button, for confirmed POST actions."""

    submit = SubmitField(_l("Confirm"))
