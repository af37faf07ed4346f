"""Every form in the app goes through the one text filter (`blueprints._forms`)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import (
    FieldList,
    FileField,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

import organizer.blueprints
from organizer.blueprints._forms import Form, SubForm

PACKAGE = Path(organizer.blueprints.__file__).resolve().parents[1]


def all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *all_subclasses(sub)}
    return found


def app_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(organizer.blueprints.__path__, "organizer.blueprints."):
        importlib.import_module(module.name)
    return sorted(
        (c for c in all_subclasses(PlainForm) if c.__module__.startswith("organizer.")),
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def test_every_form_class_in_the_app_derives_from_the_guarded_base():
    classes = app_form_classes()
    assert len(classes) > 80  # the walk found the app's forms (97 when this was written)
    strays = [
        f"{c.__module__}.{c.__qualname__}"
        for c in classes
        if not issubclass(c, Form | SubForm) and c not in (Form, SubForm)
    ]
    assert not strays, f"derive these from blueprints._forms.Form (or SubForm): {strays}"
    for form_class in classes:  # nested forms too
        for name, unbound in vars(form_class).items():
            if getattr(unbound, "field_class", None) is FormField:
                inner = unbound.args[0] if unbound.args else unbound.kwargs["form_class"]
                assert issubclass(inner, SubForm | Form), (form_class, name)


def test_no_module_defines_a_form_on_the_unguarded_bases():
    """Forms defined inside functions are not found by the walk above: check the source."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_forms.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    name = ast.unparse(base)
                    if name in ("FlaskForm", "flask_wtf.FlaskForm", "wtforms.Form", "BaseForm"):
                        offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
            if (
                isinstance(node, ast.ImportFrom)
                and node.module in ("wtforms", "wtforms.form")
                and {a.name for a in node.names} & {"Form", "BaseForm"}
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports Form")
    assert not offenders, offenders


class Inner(SubForm):
    city = StringField()


class Sample(Form):
    class Meta:
        csrf = False

    name = StringField(validators=[Optional()])
    bio = TextAreaField()
    password = PasswordField()
    hidden = HiddenField()
    count = IntegerField(validators=[Optional()])
    choice = SelectField(choices=[SelectChoice("a", "A")], validate_choice=False)
    links = FieldList(StringField(), min_entries=1)
    place = FormField(Inner)
    upload = FileField()


def submit(**values: object) -> Sample:
    form = Sample(formdata=MultiDict(values))
    form.validate()
    return form


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Ana\x00"),
        ("name", "\x1f"),  # whitespace to Python, so Optional() alone would wave it through
        ("name", "Ana\tLima"),
        ("name", "Ana\nLima"),
        ("name", "\u202eamiL anA"),
        ("name", "Ana\u2066x\u2069"),
        ("name", "Ana\x85"),
        ("name", "Ana\ud800"),
        ("name", "Ana\uffff"),
        ("bio", "one\x00two"),
        ("bio", "\u202eevil"),
        ("bio", "x\x7f"),
        ("password", "secret\x00"),
        ("hidden", "1\x00"),
        ("count", "\x00"),
        ("choice", "a\x1b[31m"),
        ("links-0", "https://x\x00"),
        ("place-city", "Lisboa\x00"),
    ],
)
def test_refused_in_every_kind_of_field(app, field, value):
    form = submit(**{field: value})
    errors = form.errors
    top = field.split("-")[0]
    assert top in errors, errors
    flat = str(errors[top])
    assert "U+" in flat or "single line" in flat


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "محمد عبد الله"),  # Arabic
        ("name", "שרה כהן\u200f"),  # Hebrew with a right-to-left mark
        ("name", "Zoë 👩🏽‍🔬 🏳️‍🌈 🇵🇹"),  # ZWJ sequences and flags
        ("name", "نسیم\u200cدخت"),  # Persian with ZWNJ
        ("bio", "line one\r\nline two\ttabbed"),
        ("password", "\u202epassword"),  # never displayed: direction controls do no harm
        ("links-0", "https://example.org/قسم"),
    ],
)
def test_accepted(app, field, value):
    form = submit(**{field: value})
    assert not form.errors, form.errors


def test_multiline_text_is_normalised_to_lf(app):
    form = submit(bio="a\r\nb\rc\u2028d")
    assert form.bio.data == "a\nb\nc\nd"


def test_file_names_are_not_refused_but_the_stored_name_is_rewritten(app):
    from organizer.services.uploads import _safe_filename

    upload = FileStorage(filename="cv\u202efdp.exe", content_type="application/pdf")
    form = Sample(formdata=MultiDict({"upload": upload}))
    form.validate()
    assert "upload" not in form.errors
    assert _safe_filename(upload.filename, "pdf") == "cv-fdp.pdf"


def test_the_guard_is_first_and_once():
    form = Sample(meta={"csrf": False})
    for field in form:
        kinds = [type(v).__name__ for v in field.validators]
        assert kinds[0] == "TextGuard" and kinds.count("TextGuard") == 1, (field.name, kinds)


def test_flask_wtf_is_still_the_base_of_page_forms():
    assert issubclass(Form, FlaskForm)  # CSRF comes from Flask-WTF
