"""Domain errors: a broken rule, with a message fit for a person.

Views turn them into a flash message (or a form error) and an HTTP status; never a 500.
Messages are translated where they are raised (services run with an application context).
"""

from flask_babel import gettext


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs to, when there is one


class ValidationFailed(DomainError):
    """One or more fields are wrong. `errors` maps a form field name to its message."""

    status_code = 400

    def __init__(self, errors: dict[str, str] | str) -> None:
        if isinstance(errors, str):
            errors = {"": errors}
        super().__init__(" ".join(errors.values()), field=next(iter(errors)) or None)
        self.errors = errors


class PermissionDenied(DomainError):
    status_code = 403

    def __init__(self, message: str | None = None, **kw) -> None:
        super().__init__(message or gettext("You are not allowed to do that."), **kw)


class NotFound(DomainError):
    status_code = 404

    def __init__(self, message: str | None = None, **kw) -> None:
        super().__init__(message or gettext("There is nothing at this address."), **kw)


class WrongState(DomainError):
    """The state changed under the person's feet (or a duplicate): 409."""

    status_code = 409


class Throttled(DomainError):
    status_code = 429
