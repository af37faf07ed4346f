"""A speaker's photo and links on the public pages (issue 16): the photo's address answers only
with consent, for a speaker in the released schedule, with a photo; it is an image that
caches may keep and that changes address with the photo; revoking consent or removing the
photo hides it at once; the speakers list reads photos without a query per speaker."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from organizer.extensions import db
from organizer.models import Event, SpeakerProfile
from organizer.services import speaker_photos, uploads
from organizer.services.scheduling import releases
from tests.documents import make_image
from tests.factories import (
    NOW,
    lisbon,
    login_as,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)


@pytest.fixture
def world():
    organizer = make_user(name="Olga Organizer", email="olga@example.org")
    event = make_schedule_event(organizer, slug="lisbon", name="Lisbon Workshop")
    aula = make_room(event, "Aula", position=0)
    ana = make_user(name="Ana Lima", email="ana.lima@example.org")
    make_talk(event, ana, title="Methods talk", room=aula, starts_at=lisbon(27, 10))
    releases.release(event=event, actor=organizer, now=NOW, comment="")
    profile = profile_of(ana)
    give_photo(profile, ana, public=True)
    return {"organizer": organizer, "event": event, "aula": aula, "ana": ana, "profile": profile}


def profile_of(user) -> SpeakerProfile:
    return db.session.scalar(select(SpeakerProfile).where(SpeakerProfile.user_id == user.id))


def give_photo(profile, user, *, public: bool, image: bytes | None = None) -> None:
    sent = image or make_image("JPEG", size=(900, 600), gps=True)
    name = "me.png" if sent.startswith(b"\x89PNG") else "me.jpg"
    profile.photo = speaker_photos.store_photo(
        speaker_photos.read_photo(stream=io.BytesIO(sent), filename=name),
        owner=user,
        event=db.session.get(Event, profile.event_id),
        now=NOW,
    )
    profile.photo_public = public
    db.session.flush()


def photo_url(profile, variant: str = "photo") -> str:
    return f"/lisbon/speakers/{profile.code}/{variant}.jpg"


def img_src(html: str, css_class: str) -> str | None:
    found = re.search(rf'<img class="{css_class}" src="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_with_consent_the_photo_is_on_the_page_and_served_as_an_image(client, world):
    profile = world["profile"]
    profile.photo_alt = "Ana at a <whiteboard>"
    page = client.get(f"/lisbon/speakers/{profile.code}/")
    src = img_src(page.text, "speaker-page__photo")
    assert src is not None and src.startswith(photo_url(profile) + "?v=")
    assert src.endswith(speaker_photos.version_of(profile.photo.sha256))
    assert 'alt="Ana at a &lt;whiteboard&gt;"' in page.text

    response = client.get(src)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.size == (512, 512) and not image.getexif()
    etag = response.headers["ETag"]
    again = client.get(src, headers={"If-None-Match": etag})
    assert again.status_code == 304

    small = client.get(photo_url(profile, "photo-small"))
    with Image.open(io.BytesIO(small.data)) as image:
        assert image.size == (128, 128)
    assert client.get(f"/lisbon/speakers/{profile.code}/photo.png").status_code == 404

    index = client.get("/lisbon/speakers/").text
    small_src = img_src(index, "speaker-index__photo")
    assert small_src is not None and small_src.startswith(photo_url(profile, "photo-small"))
    assert 'class="speaker-index__photo"' in index and 'alt=""' in index  # the name is beside it


def test_without_alt_text_the_photo_reads_as_the_speakers_name(client, world):
    html = client.get(f"/lisbon/speakers/{world['profile'].code}/").text
    assert 'alt="Ana Lima"' in html


def test_a_new_photo_gets_a_new_address(client, world):
    profile, ana = world["profile"], world["ana"]
    before = img_src(client.get(f"/lisbon/speakers/{profile.code}/").text, "speaker-page__photo")
    give_photo(profile, ana, public=True, image=make_image("PNG", size=(300, 300)))
    after = img_src(client.get(f"/lisbon/speakers/{profile.code}/").text, "speaker-page__photo")
    assert before != after and client.get(after).status_code == 200


def test_without_consent_nobody_gets_the_photo(client, world):
    profile = world["profile"]
    profile.photo_public = False
    url = photo_url(profile)
    assert client.get(url).status_code == 404
    assert client.get(photo_url(profile, "photo-small")).status_code == 404
    page = client.get(f"/lisbon/speakers/{profile.code}/").text
    assert "speaker-page__photo" not in page and "/photo" not in page
    assert "speaker-index__photo" not in client.get("/lisbon/speakers/").text
    # another applicant, signed in, gets neither the public address nor the private file
    login_as(client, make_user(name="Curious Applicant"))
    assert client.get(url).status_code == 404
    assert client.get(f"/lisbon/cfp/files/{profile.photo.public_id}").status_code == 404


def test_only_speakers_in_the_released_schedule_and_public_events(client, world):
    event, organizer = world["event"], world["organizer"]
    bo = make_user(name="Bo Chen")
    make_talk(event, bo, title="Unreleased talk", room=world["aula"], starts_at=lisbon(27, 11))
    releases.release(event=event, actor=organizer, now=NOW + dt.timedelta(hours=1), comment="")
    bo_profile = profile_of(bo)
    give_photo(bo_profile, bo, public=True)
    assert client.get(photo_url(bo_profile)).status_code == 200
    ana_profile = world["profile"]
    # a speaker with a consented photo but no session in any release
    carla = make_user(name="Carla")
    db.session.add(
        SpeakerProfile(event_id=event.id, user_id=carla.id, updated_at=NOW, photo_public=True)
    )
    db.session.flush()
    carla_profile = profile_of(carla)
    give_photo(carla_profile, carla, public=True)
    assert client.get(photo_url(carla_profile)).status_code == 404
    assert client.get(f"/lisbon/speakers/{carla_profile.code}/").status_code == 404
    assert client.get("/lisbon/speakers/nobody/photo.jpg").status_code == 404
    # a draft event's photos are its team's only
    event.is_public = False
    assert client.get(photo_url(ana_profile)).status_code == 404
    login_as(client, organizer)
    response = client.get(photo_url(ana_profile))
    assert response.status_code == 200 and "public" not in response.headers["Cache-Control"]


def test_revoking_consent_or_removing_the_photo_hides_it_at_once(client, world):
    profile, ana = world["profile"], world["ana"]
    url = f"/lisbon/speakers/{profile.code}/"
    assert "speaker-page__photo" in client.get(url).text  # the public page, read once
    login_as(client, ana)
    saved = client.post("/lisbon/cfp/profile", data={"bio": "Ana studies rivers."})
    assert saved.status_code == 302
    db.session.refresh(profile)
    assert profile.photo_public is False and profile.photo_id is not None
    client.get("/logout")
    assert "speaker-page__photo" not in client.get(url).text
    assert client.get(photo_url(profile)).status_code == 404

    login_as(client, ana)
    client.post("/lisbon/cfp/profile", data={"bio": "x", "photo_public": "y"})
    db.session.refresh(profile)
    assert profile.photo_public is True
    assert client.get(photo_url(profile)).status_code == 200
    client.post("/lisbon/cfp/profile", data={"bio": "x", "photo_public": "y", "remove_photo": "y"})
    db.session.refresh(profile)
    assert profile.photo_id is None
    assert client.get(photo_url(profile)).status_code == 404
    assert "speaker-page__photo" not in client.get(url).text


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_the_profile_form_needs_its_csrf_token(client, world, csrf_on):
    profile, ana = world["profile"], world["ana"]
    login_as(client, ana)
    response = client.post("/lisbon/cfp/profile", data={"bio": "Forged"})
    assert response.status_code == 400
    db.session.refresh(profile)
    assert profile.photo_public is True and profile.bio != "Forged"


def test_links_are_shown_with_rel_nofollow_ugc_noopener(client, world):
    profile = world["profile"]
    profile.links = [
        {"label": "Slides <b>", "url": "https://slides.example.org/ana"},
        {"label": "Evil", "url": "javascript:alert(1)"},  # written by hand: never shown
    ]
    html = client.get(f"/lisbon/speakers/{profile.code}/").text
    assert (
        '<a href="https://slides.example.org/ana" rel="nofollow ugc noopener">Slides &lt;b&gt;</a>'
    ) in html
    assert "javascript:" not in html and "Evil" not in html


def test_the_profile_form_saves_links_consent_and_alt_text(client, world):
    profile, ana = world["profile"], world["ana"]
    login_as(client, ana)
    page = client.get("/lisbon/cfp/profile").text
    assert "Show this photo on my public speaker page" in page
    assert "Label of link 5" in page and "Address of link 1" in page
    bad = client.post(
        "/lisbon/cfp/profile",
        data={"bio": "x", "link-label-1": "Slides", "link-url-1": "ftp://nope"},
    )
    assert bad.status_code == 400
    assert re.search(r'id="link-url-1"[^>]*aria-invalid="true"', bad.text) or re.search(
        r'aria-invalid="true"[^>]*id="link-url-1"', bad.text
    )
    ok = client.post(
        "/lisbon/cfp/profile",
        data={
            "bio": "x",
            "photo_public": "y",
            "photo_alt": "Ana laughing",
            "link-label-2": "Code",
            "link-url-2": "https://git.example.org/ana",
        },
    )
    assert ok.status_code == 302
    db.session.refresh(profile)
    assert profile.photo_alt == "Ana laughing"
    assert profile.links == [{"label": "Code", "url": "https://git.example.org/ana"}]
    page = client.get("/lisbon/cfp/profile").text
    assert 'value="https://git.example.org/ana"' in page and 'value="Ana laughing"' in page


def test_the_speakers_list_reads_photos_in_constant_queries(client, world, assert_constant_queries):
    event, organizer = world["event"], world["organizer"]
    stamps = iter(NOW + dt.timedelta(hours=n) for n in range(1, 50))
    hours = iter(range(11, 18))

    def grow():
        at = next(hours)
        for n in range(2):
            person = make_user(name=f"Speaker {at} {n}")
            make_talk(
                event,
                person,
                title=f"T {at} {n}",
                room=world["aula"],
                starts_at=lisbon(28, at, 30 * n),
            )
            releases.release(event=event, actor=organizer, now=next(stamps), comment="")
            give_photo(profile_of(person), person, public=True)
            profile_of(person).links = [{"label": "Site", "url": "https://example.org"}]

    assert_constant_queries(
        ["/lisbon/speakers/", f"/lisbon/speakers/{world['profile'].code}/"], grow
    )


def test_a_photo_stored_as_sent_is_never_served_publicly(client, world):
    """A photo from before photos were processed, marked public by hand: not served."""
    profile, ana = world["profile"], world["ana"]
    profile.photo = uploads.store(
        stream=io.BytesIO(make_image("JPEG", gps=True)),
        filename="old.jpg",
        field="photo",
        allowed=uploads.PHOTO_KINDS,
        max_kb=uploads.PHOTO_MAX_KB,
        owner=ana,
        event=world["event"],
        now=NOW,
    )
    profile.photo_public = True
    assert client.get(photo_url(profile)).status_code == 404
