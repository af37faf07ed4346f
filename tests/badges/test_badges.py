"""Badges: who gets one, their ribbons and order, the layouts' sheets, names in seven scripts
and the QR code of the check-in page, read back from the PDF with pypdf."""

from __future__ import annotations

import pytest
from flask import url_for

from organizer.enums import EventRoleName, GrantState, ProposalState, ReservedFor
from organizer.errors import NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.services.print import badges
from tests.badges.conftest import BASE, NAMES, confirmed, not_confirmed
from tests.factories import (
    grant_role,
    make_application,
    make_cfp,
    make_programme,
    make_proposal,
    make_user,
)
from tests.printed.conftest import page_texts, reader, squash
from tests.registration_factories import make_place_kind, make_registration

RTL = ("\u0590", "\u08ff")  # Hebrew and Arabic: drawn right to left, shaped


def appears(name: str, text: str) -> bool:
    """Whether a name comes back out of a PDF's text. Right-to-left and shaped scripts come
    back in visual order or as ligatures, so for them every character must be there."""
    name = squash(name)
    if name in text or name[::-1] in text:
        return True
    complex_script = any(RTL[0] <= ch <= RTL[1] or "\u0900" <= ch <= "\u0dff" for ch in name)
    return complex_script and all(ch in text for ch in name)


def names_of(found):
    return [badge.name for badge in found]


def test_only_confirmed_registrations_get_a_badge_sorted_by_name(event):
    not_confirmed(event)
    for name in ("zoë Zed", "Álvaro Alves", "bruno Brás", "Ana Lima"):
        make_registration(event, name=name)
    make_registration(event, name="Someone Else", badge_name="Carla Badge")
    found = badges.badges_of(event=event, selection="all", base_url=BASE)
    assert names_of(found) == ["Ana Lima", "bruno Brás", "Carla Badge", "zoë Zed", "Álvaro Alves"]
    assert found == sorted(found, key=badges.sort_key)


def test_ribbons_speaker_organizer_volunteer_and_grantee_only_with_opt_in(event, organizer):
    make_cfp(event)
    speaker = make_user(name="Sam Speaker")
    make_proposal(event, speaker, state=ProposalState.CONFIRMED)
    merely_accepted = make_user(name="Ann Accepted")
    make_proposal(event, merely_accepted, state=ProposalState.ACCEPTED)
    volunteer = make_user(name="Vic Volunteer")
    grant_role(volunteer, event, EventRoleName.CHECK_IN)
    programme = make_programme(event)
    shy, proud = make_user(name="Gil Shy"), make_user(name="Gia Proud")
    make_application(programme, shy, state=GrantState.ACCEPTED)
    make_application(programme, proud, state=GrantState.ACCEPTED)
    reserved = make_user(name="Rui Reserved")
    for person in (speaker, merely_accepted, volunteer, organizer, shy):
        make_registration(event, person)
    make_registration(event, proud, show_grantee_ribbon=True)
    make_registration(event, reserved, reserved_for=ReservedFor.GRANTEE, show_grantee_ribbon=True)
    make_registration(event, name="Nia Nobody", show_grantee_ribbon=True)  # not a grantee
    ribbons = {
        b.name: b.ribbons for b in badges.badges_of(event=event, selection="all", base_url=BASE)
    }
    assert ribbons == {
        "Sam Speaker": ("speaker",),
        "Ann Accepted": (),
        "Vic Volunteer": ("volunteer",),
        "Olga Organizer": ("organizer",),
        "Gil Shy": (),
        "Gia Proud": ("grantee",),
        "Rui Reserved": ("grantee",),
        "Nia Nobody": (),
    }


def test_selections_speakers_and_a_kind_of_place(event):
    make_cfp(event)
    remote = make_place_kind(event, "Remote", position=1)
    speaker = make_user(name="Sam Speaker")
    make_proposal(event, speaker, state=ProposalState.CONFIRMED)
    make_registration(event, speaker)
    make_registration(event, name="Rita Remote", place_kind_id=remote.id)
    make_registration(event, name="Ivo InPerson")
    assert set(badges.selections(event)) == {"all", "speakers", f"kind-{remote.id}"}
    of = lambda selection: names_of(  # noqa: E731
        badges.badges_of(event=event, selection=selection, base_url=BASE)
    )
    assert of("speakers") == ["Sam Speaker"]
    assert of(f"kind-{remote.id}") == ["Rita Remote"]
    assert len(of("all")) == 3
    with pytest.raises(ValidationFailed):
        of("everyone-please")


@pytest.mark.parametrize(("layout", "per_page"), [("a4-8", 8), ("letter-6", 6), ("single", 1)])
def test_each_layout_prints_its_number_of_badges_per_page(event, layout, per_page):
    people = confirmed(event, 13)
    found = badges.badges_of(event=event, selection="all", base_url=BASE)
    data = badges.render_pdf(event, found, layout)
    pages = page_texts(data)
    assert len(pages) == -(-13 // per_page)
    assert [sum(text.count("Person") for text in pages[:1])] == [min(per_page, 13)]
    first_page_names = [b.name for b in found[:per_page]]
    assert all(squash(name) in pages[0] for name in first_page_names)
    assert len(people) == 13
    width, height = (float(v) for v in reader(data).pages[0].mediabox[2:])
    expected = {"a4-8": (595, 842), "letter-6": (612, 792), "single": (288, 216)}[layout]
    assert (round(width), round(height)) == expected


def test_names_in_seven_scripts_come_back_out_of_the_pdf(event):
    for name in NAMES.values():
        make_registration(event, name=name, pronouns="they/them", affiliation="Universidade")
    found = badges.badges_of(event=event, selection="all", base_url=BASE)
    text = "".join(page_texts(badges.render_pdf(event, found, "a4-8")))
    missing = [key for key, name in NAMES.items() if not appears(name, text)]
    assert not missing, missing
    assert "they/them" in text and "Universidade" in text


def test_long_names_shrink():
    assert badges.name_size("Ana") > badges.name_size("Maria Beatriz Gonçalves")
    assert badges.name_size("Maria Beatriz Gonçalves") > badges.name_size("M" * 50)
    assert badges.name_size("王芳王芳王芳王芳王芳") < badges.name_size("Ana Lima Ana")  # wide


def test_the_qr_code_opens_the_check_in_page(event):
    registration = make_registration(event, name="Quinn Qr")
    found = badges.badges_of(event=event, selection="all", base_url=BASE + "/")
    url = f"{BASE}/badges-ws/check-in/{registration.public_id}"
    assert found[0].url == url
    html = badges.render_html(event, found, "single")
    # No QR decoder is installed here (zbar, zxing): the page holds segno's matrix of exactly
    # this URL, and no other.
    assert str(badges.qr_svg(url)) in html
    assert html.count("<svg") == 1


def test_the_list_takes_a_constant_number_of_queries(event, queries):
    confirmed(event, 3)
    db.session.expire_all()
    queries.clear()
    badges.badges_of(event=event, selection="all", base_url=BASE)
    few = len(queries)
    confirmed(event, 30, prefix="More")
    db.session.expire_all()
    queries.clear()
    assert len(badges.badges_of(event=event, selection="all", base_url=BASE)) == 33
    assert len(queries) == few


def test_reprint_of_one_person_and_who_may(event, organizer):
    confirmed(event, 3)
    one = make_registration(event, name="Reprinted Rosa")
    data = badges.reprint(
        actor=organizer, event=event, public_id=one.public_id, layout="single", base_url=BASE
    )
    assert page_texts(data) == [t for t in page_texts(data) if "ReprintedRosa" in t]
    with pytest.raises(NotFound):
        badges.reprint(
            actor=organizer, event=event, public_id="nobody", layout="single", base_url=BASE
        )
    with pytest.raises(PermissionDenied):
        badges.reprint(
            actor=make_user(), event=event, public_id=one.public_id, layout="single", base_url=BASE
        )
    with pytest.raises(PermissionDenied):
        badges.wanted(actor=make_user(), event=event, layout="a4-8", selection="all", base_url=BASE)


def test_the_worker_files_the_pdf_under_the_name_the_request_wants(event, organizer):
    confirmed(event, 2)
    before = badges.wanted(
        actor=organizer, event=event, layout="a4-8", selection="all", base_url=BASE
    )
    assert before.path is None and before.count == 2
    key = badges.render_file(event=event, layout="a4-8", selection="all", base_url=BASE)
    assert key == before.key
    after = badges.wanted(
        actor=organizer, event=event, layout="a4-8", selection="all", base_url=BASE
    )
    assert after.path is not None and after.path.read_bytes().startswith(b"%PDF")
    make_registration(event, name="Late Comer")
    changed = badges.wanted(
        actor=organizer, event=event, layout="a4-8", selection="all", base_url=BASE
    )
    assert changed.key != key and changed.path is None


def test_the_qr_address_is_the_check_in_blueprints_page(app, event):
    """The badge builds the address without a request; it must be the one the check-in
    blueprint serves, or a scanned badge would open a 404."""
    registration = make_registration(event, name="Route Check")
    with app.test_request_context(base_url=BASE):
        served = url_for(
            "check_in.person",
            event_slug=event.slug,
            public_id=registration.public_id,
            _external=True,
        )
    assert badges.check_in_url(BASE, event.slug, registration.public_id) == served
