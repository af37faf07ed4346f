"""A person's registrations in their data download, and gone with their account."""

from __future__ import annotations

from sqlalchemy import func, select

from organizer.enums import RegistrationState
from organizer.extensions import db
from organizer.models import Registration, RegistrationAccessNeeds, RegistrationAnswer, User
from organizer.services import personal_data
from organizer.services.text import fold_for_search
from tests.account_data.test_deletion import delete
from tests.factories import NOW


def test_the_download_holds_ones_registration_and_access_needs(world):
    data = personal_data.collect(world.ana, now=NOW)
    (registration,) = data["registrations"]
    assert registration["event"] == "trust-2027"
    assert registration["state"] == "confirmed" and registration["place_kind"] == "In person"
    assert registration["badge_name"] == "Ana L." and registration["affiliation"] == "Ana's lab"
    assert registration["answers"] == [{"question": "T-shirt size", "value": "M", "file": None}]
    assert registration["access_needs"]["needs"] == ["step_free"]
    assert registration["access_needs"]["dietary"] == ["vegan"]
    assert registration["access_needs"]["notes"] == "Ana's access note"
    text = repr(data)
    assert "Bo's registration note" not in text and "XL" not in text


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_deleting_the_account_cancels_and_empties_the_registration(world):
    ana_id = world.ana.id
    assert count(RegistrationAccessNeeds) == 2 and count(RegistrationAnswer) == 2
    pseudonym = delete(world)
    registration = db.session.scalar(select(Registration).where(Registration.user_id == ana_id))
    assert registration.state == RegistrationState.CANCELLED and registration.cancelled_at
    assert registration.badge_name == registration.affiliation == registration.pronouns == ""
    assert registration.search_name == fold_for_search(pseudonym)
    assert registration.access_needs is None and registration.answers == []
    assert count(RegistrationAccessNeeds) == 1 and count(RegistrationAnswer) == 1  # Bo's stay
    bo = db.session.scalar(select(Registration).where(Registration.user_id == world.bo.id))
    assert bo.state == RegistrationState.CONFIRMED and bo.badge_name == "Bo's badge"
    data = personal_data.collect(db.session.get(User, ana_id), now=NOW)
    assert "Ana" not in repr(data["registrations"])
