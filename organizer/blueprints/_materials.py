"""A talk's slides and recordings, edited from two pages: the speaker's proposal page (cfp) and
the organizers' session page (schedule). The form, and the add and remove steps both use; the
routes stay in their blueprints, which check who the person is first."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import HiddenField, RadioField, StringField, SubmitField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from organizer import permissions
from organizer.blueprints._common import attempt, utcnow
from organizer.blueprints._forms import Form
from organizer.enums import MaterialKind
from organizer.models import Event, Proposal, SessionMaterial
from organizer.services import materials
from organizer.services.account_deletion import remove_files

ANCHOR = "#materials-title"


class MaterialForm(Form):
    kind = RadioField(
        _l("What is it?"),
        choices=[SelectChoice(k.value, k.label) for k in MaterialKind],
        default=MaterialKind.SLIDES.value,
    )
    title = StringField(
        _l("Title"),
        description=_l("What people click on, e.g. “Slides (PDF)” or “Video recording”."),
        render_kw={"maxlength": materials.TITLE_MAX},
    )
    url = URLField(
        _l("Link"),
        description=_l(
            "A web address starting with https://, e.g. of the video or of your slides online. "
            "Leave it empty to upload a file instead."
        ),
        render_kw={"maxlength": materials.URL_MAX, "inputmode": "url"},
    )
    file = FileField(
        _l("Or upload a PDF"),
        description=_l("PDF only, up to %(n)s MB.", n=materials.MATERIAL_MAX_KB // 1024),
        render_kw={"accept": "application/pdf,.pdf"},
    )
    submit = SubmitField(_l("Add"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "material")  # ids apart from the page's other forms
        super().__init__(*args, **kwargs)

    def as_input(self) -> materials.MaterialInput:
        sent = self.file.data
        has_file = sent is not None and bool(getattr(sent, "filename", ""))
        return materials.MaterialInput(
            kind=self.kind.data or "",
            title=self.title.data or "",
            url=self.url.data or "",
            file=materials.FileInput(sent.stream, sent.filename) if has_file else None,
        )


class RemoveMaterialForm(Form):
    """The confirmation: names the material, so that a bare POST removes nothing."""

    material = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Remove"))


def section(proposal: Proposal, *, form: MaterialForm | None = None) -> dict[str, Any]:
    """What the "Slides and recordings" section of a page needs (`macros/materials.html`):
    nothing when the talk takes no materials or the person may not edit them."""
    if not permissions.can_edit_materials(current_user, proposal):
        return {"materials": None, "material_form": None}
    return {
        "materials": materials.materials_of(proposal),
        "material_form": form or MaterialForm(formdata=None),
    }


def add(proposal: Proposal, form: MaterialForm, *, back: str) -> Response | None:
    """Add the form's material and go `back`; None when it failed (the caller shows its page
    again with `form`, whose `failed_status` says the status)."""
    if not form.validate_on_submit():
        form.failed_status = 400  # type: ignore[attr-defined]
        return None
    added = attempt(
        lambda: materials.add_material(
            actor=current_user, proposal=proposal, data=form.as_input(), now=utcnow()
        ),
        form=form,
        success=lambda material: _("“%(title)s” is added.", title=material.title),
    )
    return redirect(back + ANCHOR) if added.ok else None


def remove(
    event: Event,
    proposal: Proposal,
    material_id: str,
    *,
    back: str,
    template: str,
) -> Any:
    """The confirmation page (GET, or a POST without the material named), then the removal:
    the row goes, and its file from the disk once that is committed."""
    if not permissions.can_edit_materials(current_user, proposal):
        return redirect(back)
    material: SessionMaterial = materials.material_of(proposal, material_id)
    form = RemoveMaterialForm()
    if form.validate_on_submit() and form.material.data == material.public_id:
        title = material.title
        removed = attempt(
            lambda: materials.remove_material(actor=current_user, material=material, now=utcnow()),
            success=_("“%(title)s” is removed.", title=title),
        )
        if removed.ok:
            remove_files(removed.value or [])
        return redirect(back + ANCHOR)
    form.material.data = material.public_id
    return render_template(
        template,
        event=event,
        proposal=proposal,
        material=material,
        form=form,
        back=back + ANCHOR,
    ), 400 if form.is_submitted() else 200


def status_of(form: MaterialForm | None) -> int:
    return getattr(form, "failed_status", 400) if form is not None else 200
