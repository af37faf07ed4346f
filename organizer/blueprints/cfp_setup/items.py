"""The call's session types, tracks and review phases, written once: each kind has a list page
with its add form, an edit page and a delete confirmation. A subclass of `ItemPages` says what
differs (URL, model, form, the service calls and the texts); `register(bp)` adds its routes:

    /<event_slug>/cfp/<path>                       <listing>       list and add
    /<event_slug>/cfp/<path>/<int:<id_name>>         edit_<one>
    /<event_slug>/cfp/<path>/<int:<id_name>>/delete  delete_<one>    confirmation page

The list page is templates/cfp_setup/<listing>.html, the edit page templates/setup/edit.html
with the kind's `fields`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from organizer import permissions
from organizer.blueprints._common import access, attempt, event_route, paginate_list
from organizer.blueprints._setup_views import confirm_then, form_status
from organizer.models import Event
from organizer.services.cfp import call as call_service

TABS = "cfp_setup/_tabs.html"


def confirm_in_call_setup(
    event: Event,
    act: Callable[[], object],
    *,
    done: str,
    after: str,
    back: str | None = None,
    **context: Any,
):  # type: ignore[no-untyped-def]
    """A confirmation page for a destructive action; on POST one service call, commit, and
    on to the `after` page of the call's set-up, which is also where Cancel goes unless
    `back` says otherwise."""
    after_url = url_for(after, event_slug=event.slug)
    return confirm_then(
        act, done=done, after=after_url, tabs=TABS, event=event, back=back or after_url, **context
    )


class ItemPages:
    """The list, edit and delete pages of one kind of the call's items."""

    path: str  # under /<event_slug>/cfp/, e.g. "types"
    listing: str  # the list page's endpoint, e.g. "session_types"
    one: str  # an item's endpoints are edit_<one> and delete_<one>, e.g. "session_type"
    id_name: str  # the item's id in the URL, e.g. "type_id"
    model: type[Any]
    fields: str  # the template of the form's fields on the edit page

    # What a subclass says -------------------------------------------------------------------

    def form(self, event: Event, item: Any = None) -> Any:
        """The form, filled from `item` when editing one."""
        raise NotImplementedError

    def items(self, event: Event) -> list[Any]:
        raise NotImplementedError

    def save(self, event: Event, item: Any, form: Any) -> object:
        """One service call that adds (`item` None) or changes an item from the form."""
        raise NotImplementedError

    def delete(self, event: Event, item: Any) -> object:
        raise NotImplementedError

    def added(self, name: str) -> str:
        raise NotImplementedError

    def saved(self) -> str:
        raise NotImplementedError

    def edit_title(self, name: str) -> str:
        raise NotImplementedError

    def delete_texts(self, name: str) -> dict[str, str]:
        """The confirmation page's title, question, button (and consequence, if any), and the
        `done` message."""
        raise NotImplementedError

    def list_context(self, event: Event, form: Any) -> dict[str, Any]:
        """What the list page shows besides the list and the form."""
        return {}

    # The pages ------------------------------------------------------------------------------

    def register(self, bp: Blueprint) -> None:
        prefix = f"/<event_slug>/cfp/{self.path}"
        item = f"/<int:{self.id_name}>"
        routes = [
            (prefix, self.listing, self.list_page),
            (prefix + item, f"edit_{self.one}", self.edit_page),
            (prefix + item + "/delete", f"delete_{self.one}", self.delete_page),
        ]
        for rule, endpoint, page in routes:
            view = access("organizer")(event_route(permissions.can_manage_cfp)(page))
            bp.add_url_rule(rule, endpoint, view, methods=["GET", "POST"])

    def _listing_url(self, event: Event) -> str:
        return url_for(f"cfp_setup.{self.listing}", event_slug=event.slug)

    def _saved(self, event: Event, item: Any, form: Any, success: Callable[[Any], str]) -> bool:
        return (
            form.validate_on_submit()
            and attempt(lambda: self.save(event, item, form), form=form, success=success).ok
        )

    def list_page(self, event: Event):  # type: ignore[no-untyped-def]
        form = self.form(event)
        if self._saved(event, None, form, lambda _: self.added(form.name.data.strip())):
            return redirect(self._listing_url(event))
        return render_template(
            f"cfp_setup/{self.listing}.html",
            event=event,
            form=form,
            page=paginate_list(self.items(event)),
            **self.list_context(event, form),
        ), form_status(form)

    def edit_page(self, event: Event, **values: int):  # type: ignore[no-untyped-def]
        item = call_service.item_in_event(self.model, event, values[self.id_name])
        form = self.form(event, item)
        if self._saved(event, item, form, lambda _: self.saved()):
            return redirect(self._listing_url(event))
        return render_template(
            "setup/edit.html",
            layout="layouts/cfp_setup.html",
            event=event,
            form=form,
            title=self.edit_title(item.name),
            fields=self.fields,
            back=self._listing_url(event),
        ), form_status(form)

    def delete_page(self, event: Event, **values: int):  # type: ignore[no-untyped-def]
        item = call_service.item_in_event(self.model, event, values[self.id_name])
        texts = self.delete_texts(item.name)
        return confirm_in_call_setup(
            event, lambda: self.delete(event, item), after=f"cfp_setup.{self.listing}", **texts
        )
