"""The set-up pages of custom questions and review criteria, written once for their two owners:
the call for talks (`cfp_setup`, the owner is the event) and a grant programme (`grant_setup`).

A subclass of `SetupPages` says where the pages live (URL prefix, permission, the area's layout
and tabs), how to find the owner in the URL, which service functions do the work and the few
texts that differ; `register(bp)` then adds the same routes to the blueprint:

    <prefix>/questions                         questions            list and add
    <prefix>/questions/<question_id>           edit_question
    <prefix>/questions/<question_id>/delete    delete_question      confirmation page
    <prefix>/criteria                          criteria             list and add
    <prefix>/criteria/<criterion_id>           edit_criterion
    <prefix>/criteria/<criterion_id>/delete    delete_criterion     confirmation page
    <prefix>/<kind>/<item_id>/move             move                 POST; questions, criteria and
                                                                    the kinds `other_move` knows

The templates are templates/setup/{questions,criteria,edit,_criterion_fields}.html; they extend
the area's `layout` (its navigation, tabs and window title)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from organizer.blueprints._common import access, attempt, event_route, paginate_list
from organizer.blueprints._setup_forms import CriterionSetupForm, QuestionSetupForm
from organizer.blueprints._setup_views import (
    confirm_then,
    form_status,
    move_direction,
    move_then,
    question_form,
    question_settings,
)
from organizer.models import Event
from organizer.services.reviewing.questions import QuestionSettings
from organizer.services.uploads import FILE_KINDS

# What a move needs: the service call (given the direction, -1 up or 1 down), the item's name
# for the message, and the endpoint of the list to go back to.
Move = tuple[Callable[[int], object], str, str]


class SetupPages:
    """The questions and criteria pages of one kind of owner; subclasses fill in the blanks."""

    prefix: str  # the URL under the blueprint's prefix, e.g. "/<event_slug>/cfp"
    permission: Callable[[Any, Event], bool]  # who may open the pages, e.g. can_manage_cfp
    layout: str  # the template the pages extend: navigation, tabs and window title
    tabs: str  # the tabs shown on the confirmation pages
    question_form_class: type[QuestionSetupForm]
    has_criteria = True  # False: questions only (registration has no review)

    def __init__(self) -> None:
        self.name = ""  # the blueprint's name, set by `register`

    # What a subclass says -------------------------------------------------------------------

    def owner(self, event: Event, values: dict[str, Any]) -> Any:
        """The owner named by the URL `values` (beyond the event), or a 404."""
        raise NotImplementedError

    def url_values(self, event: Event, owner: Any) -> dict[str, Any]:
        """The values that build the owner's URLs."""
        return {"event_slug": event.slug}

    def context(self, owner: Any) -> dict[str, Any]:
        """What the area's layout and tabs need besides the event."""
        return {}

    def texts(self) -> dict[str, str]:
        """The sentences that differ between owners: questions_intro, questions_caption,
        questions_empty, criteria_intro, criteria_empty and criterion_deleted (the consequence
        of deleting a criterion)."""
        raise NotImplementedError

    def questions(self, owner: Any) -> list[Any]:
        raise NotImplementedError

    def question(self, owner: Any, question_id: int) -> Any:
        """The owner's question, or NotFound."""
        raise NotImplementedError

    def answer_count(self, question: Any) -> int:
        raise NotImplementedError

    def save_question(self, owner: Any, question: Any, settings: QuestionSettings) -> None:
        raise NotImplementedError

    def delete_question(self, owner: Any, question: Any) -> None:
        raise NotImplementedError

    def move_question(self, owner: Any, question: Any, direction: int) -> None:
        raise NotImplementedError

    def criteria(self, owner: Any) -> list[Any]:
        raise NotImplementedError

    def criterion(self, owner: Any, criterion_id: int) -> Any:
        """The owner's criterion, or NotFound."""
        raise NotImplementedError

    def criterion_form(self, owner: Any, criterion: Any = None) -> CriterionSetupForm:
        """The criterion form, filled from `criterion` when editing one."""
        raise NotImplementedError

    def save_criterion(self, owner: Any, criterion: Any, form: Any) -> None:
        raise NotImplementedError

    def delete_criterion(self, owner: Any, criterion: Any) -> None:
        raise NotImplementedError

    def move_criterion(self, owner: Any, criterion: Any, direction: int) -> None:
        raise NotImplementedError

    def other_move(self, event: Event, owner: Any, kind: str, item_id: int) -> Move | None:
        """A move of another kind of ordered item of this area (a 404 when None)."""
        return None

    # Routes ---------------------------------------------------------------------------------

    def register(self, bp: Blueprint) -> None:
        """Add the pages to `bp`, each for the event's organizers."""
        self.name = bp.name
        routes: list[tuple[str, str, Callable[..., Any], list[str]]] = [
            ("/questions", "questions", self.questions_page, ["GET", "POST"]),
            ("/questions/<int:question_id>", "edit_question", self.edit_question, ["GET", "POST"]),
            (
                "/questions/<int:question_id>/delete",
                "delete_question",
                self.delete_question_page,
                ["GET", "POST"],
            ),
            ("/criteria", "criteria", self.criteria_page, ["GET", "POST"]),
            (
                "/criteria/<int:criterion_id>",
                "edit_criterion",
                self.edit_criterion,
                ["GET", "POST"],
            ),
            (
                "/criteria/<int:criterion_id>/delete",
                "delete_criterion",
                self.delete_criterion_page,
                ["GET", "POST"],
            ),
            ("/<kind>/<int:item_id>/move", "move", self.move, ["POST"]),
        ]
        if not self.has_criteria:
            routes = [route for route in routes if "criteri" not in route[1]]
        for path, endpoint, page, methods in routes:
            view = access("organizer")(event_route(self.permission)(page))
            bp.add_url_rule(self.prefix + path, endpoint, view, methods=methods)

    # Helpers --------------------------------------------------------------------------------

    def _url(self, endpoint: str, event: Event, owner: Any, **values: Any) -> str:
        return url_for(f"{self.name}.{endpoint}", **self.url_values(event, owner), **values)

    def _render(self, template: str, event: Event, owner: Any, form: Any, **values: Any):  # type: ignore[no-untyped-def]
        return render_template(
            template,
            event=event,
            form=form,
            layout=self.layout,
            area=self.name,
            owner_values=self.url_values(event, owner),
            texts=self.texts(),
            has_reviewers=self.question_form_class.visible_to_reviewers is not None,
            **self.context(owner),
            **values,
        ), form_status(form)

    def _found(self, find: Callable[[Any, int], Any], owner: Any, item_id: int) -> Any:
        return find(owner, item_id)

    def _saved(self, save: Callable[[], object], form: Any) -> bool:
        """Run one service call that saves the form; commit, or show the refusal in the form."""
        return attempt(save, form=form).ok

    def _edit(self, event: Event, owner: Any, form: Any, *, listing: str, title: str, fields: str):  # type: ignore[no-untyped-def]
        return self._render(
            "setup/edit.html",
            event,
            owner,
            form,
            title=title,
            fields=fields,
            back=self._url(listing, event, owner),
        )

    def _confirm(self, event: Event, owner: Any, act: Callable[[], object], **context: Any):  # type: ignore[no-untyped-def]
        return confirm_then(act, tabs=self.tabs, event=event, **self.context(owner), **context)

    # Questions ------------------------------------------------------------------------------

    def _save_question(self, owner: Any, item: Any, form: QuestionSetupForm) -> bool:
        return self._saved(lambda: self.save_question(owner, item, question_settings(form)), form)

    def questions_page(self, event: Event, **values: Any):  # type: ignore[no-untyped-def]
        owner = self.owner(event, values)
        form = question_form(self.question_form_class)
        if form.validate_on_submit() and self._save_question(owner, None, form):
            flash(_("The question is added."), "success")
            return redirect(self._url("questions", event, owner))
        return self._render(
            "setup/questions.html",
            event,
            owner,
            form,
            page=paginate_list(self.questions(owner)),
            kinds={c.value: c.label for c in form.kind.choices},
            file_kinds=FILE_KINDS,
        )

    def edit_question(self, event: Event, question_id: int, **values: Any):  # type: ignore[no-untyped-def]
        owner = self.owner(event, values)
        item = self._found(self.question, owner, question_id)
        form = question_form(self.question_form_class, item)
        if form.validate_on_submit() and self._save_question(owner, item, form):
            flash(_("The question is saved."), "success")
            return redirect(self._url("questions", event, owner))
        return self._edit(
            event,
            owner,
            form,
            listing="questions",
            title=_("Edit a question"),
            fields="macros/question_fields.html",
        )

    def delete_question_page(self, event: Event, question_id: int, **values: Any):  # type: ignore[no-untyped-def]
        owner = self.owner(event, values)
        item = self._found(self.question, owner, question_id)
        answers = self.answer_count(item)
        listing = self._url("questions", event, owner)
        return self._confirm(
            event,
            owner,
            lambda: self.delete_question(owner, item),
            done=_("The question is deleted."),
            after=listing,
            title=_("Delete a question"),
            question=_("Delete the question “%(text)s”?", text=item.text),
            consequence=(
                _(
                    "%(count)d answers given so far will be deleted with it. This cannot be "
                    "undone.",
                    count=answers,
                )
                if answers
                else _("Nobody has answered it yet.")
            ),
            button=(
                _("Delete the question and its answers") if answers else _("Delete the question")
            ),
            back=listing,
        )

    # Criteria -------------------------------------------------------------------------------

    def _save_criterion(self, owner: Any, item: Any, form: Any) -> bool:
        return self._saved(lambda: self.save_criterion(owner, item, form), form)

    def criteria_page(self, event: Event, **values: Any):  # type: ignore[no-untyped-def]
        owner = self.owner(event, values)
        form = self.criterion_form(owner)
        if form.validate_on_submit() and self._save_criterion(owner, None, form):
            flash(_("The criterion “%(name)s” is added.", name=form.name.data.strip()), "success")
            return redirect(self._url("criteria", event, owner))
        return self._render(
            "setup/criteria.html",
            event,
            owner,
            form,
            page=paginate_list(self.criteria(owner)),
        )

    def edit_criterion(self, event: Event, criterion_id: int, **values: Any):  # type: ignore[no-untyped-def]
        owner = self.owner(event, values)
        item = self._found(self.criterion, owner, criterion_id)
        form = self.criterion_form(owner, item)
        if form.validate_on_submit() and self._save_criterion(owner, item, form):
            flash(_("The criterion is saved."), "success")
            return redirect(self._url("criteria", event, owner))
        return self._edit(
            event,
            owner,
            form,
            listing="criteria",
            title=_("Edit the criterion “%(name)s”", name=item.name),
            fields="setup/_criterion_fields.html",
        )

    def delete_criterion_page(self, event: Event, criterion_id: int, **values: Any):  # type: ignore[no-untyped-def]
        owner = self.owner(event, values)
        item = self._found(self.criterion, owner, criterion_id)
        name = item.name
        listing = self._url("criteria", event, owner)
        return self._confirm(
            event,
            owner,
            lambda: self.delete_criterion(owner, item),
            done=_("The criterion “%(name)s” is deleted.", name=name),
            after=listing,
            title=_("Delete a review criterion"),
            question=_("Delete the criterion “%(name)s”?", name=name),
            consequence=self.texts()["criterion_deleted"],
            button=_("Delete the criterion"),
            back=listing,
        )

    # Moving up and down ---------------------------------------------------------------------

    def _move_of(self, event: Event, owner: Any, kind: str, item_id: int) -> Move | None:
        """The move of a question or criterion; a 404 for another owner's item."""
        if kind == "questions":
            question = self._found(self.question, owner, item_id)
            return lambda d: self.move_question(owner, question, d), question.text, kind
        if kind == "criteria" and self.has_criteria:
            criterion = self._found(self.criterion, owner, item_id)
            return lambda d: self.move_criterion(owner, criterion, d), criterion.name, kind
        return self.other_move(event, owner, kind, item_id)

    def move(self, event: Event, kind: str, item_id: int, **values: Any):  # type: ignore[no-untyped-def]
        owner = self.owner(event, values)
        found = self._move_of(event, owner, kind, item_id)
        if found is None:
            abort(404)
        act, name, listing = found
        direction = move_direction()
        move_then(lambda: act(direction), name=name, direction=direction)
        return redirect(self._url(listing, event, owner))
