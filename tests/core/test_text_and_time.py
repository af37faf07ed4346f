import datetime as dt

import pytest

from organizer.services.text import fold_for_search, render_markdown
from organizer.services.timefmt import in_zone, local_date_to_utc


def test_markdown_is_rendered_and_sanitised():
    html = str(
        render_markdown(
            "# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://a.example)"
            "\n\n<img src=x onerror=alert(1)>"
        )
    )
    assert "<h2>Title</h2>" in html  # one h1 per page: headings move down a level
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://a.example" rel="noopener noreferrer nofollow">ok</a>' in html
    assert "<img" not in html


def test_empty_markdown():
    assert str(render_markdown(None)) == ""


def test_times_are_shown_in_the_event_zone_across_the_dst_change():
    # Lisbon moves from WET (UTC+0) to WEST (UTC+1) at 01:00 UTC on 28 March 2027.
    before = dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC)
    after = dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
    assert in_zone(before, "Europe/Lisbon").strftime("%H:%M %Z") == "00:30 WET"
    assert in_zone(after, "Europe/Lisbon").strftime("%H:%M %Z") == "02:30 WEST"


def test_wall_clock_times_convert_to_utc_on_both_sides_of_the_change():
    day_before = local_date_to_utc(dt.date(2027, 3, 27), dt.time(9, 0), "Europe/Lisbon")
    day_of = local_date_to_utc(dt.date(2027, 3, 28), dt.time(9, 0), "Europe/Lisbon")
    assert day_before == dt.datetime(2027, 3, 27, 9, 0, tzinfo=dt.UTC)
    assert day_of == dt.datetime(2027, 3, 28, 8, 0, tzinfo=dt.UTC)
    assert day_of - day_before == dt.timedelta(hours=23)


def test_naive_datetimes_are_refused_by_the_database_type(app):
    import pytest

    from organizer.extensions import db
    from tests.factories import make_user

    user = make_user()
    user.email_verified_at = dt.datetime(2027, 1, 1, 12, 0)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_utc_survives_a_round_trip(app):
    from organizer.extensions import db
    from tests.factories import make_user

    user = make_user()
    lisbon_noon = dt.datetime(2027, 7, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    user.email_verified_at = lisbon_noon
    db.session.commit()
    db.session.expire_all()
    assert user.email_verified_at == dt.datetime(2027, 7, 1, 11, 0, tzinfo=dt.UTC)
    assert user.email_verified_at.tzinfo == dt.UTC


def test_strikethrough_survives_and_tables_carry_no_inline_style():
    html = str(render_markdown("~~gone~~\n\n| a | b |\n|:-|-:|\n| 1 | 2 |"))
    assert "<s>gone</s>" in html
    assert "<table>" in html
    assert "style=" not in html


def test_format_datetime_keeps_the_zone_it_is_given(app):
    # Flask-Babel would convert back to UTC; the filter must show the event's wall clock.
    summer = dt.datetime(2027, 3, 28, 12, 0, tzinfo=dt.UTC)  # Lisbon is UTC+1 after the change
    with app.test_request_context():
        rendered = app.jinja_env.from_string(
            "{{ t|in_zone('Europe/Lisbon')|format_datetime('HH:mm') }}"
        ).render(t=summer)
    assert rendered == "13:00"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ayse yilmaz", "Ayşe Y\u0131lmaz"),
        ("elodie dupre", "  ÉLODIE   Dupré"),
        ("lukasz oster", "Łukasz Øster"),
        ("nga tangata", "Ngā Tāngata"),
        ("محمد", "محمد علي"),
        ("小龍", "李 小龍"),
    ],
)
def test_search_folding_ignores_case_accents_and_spacing(typed: str, stored: str) -> None:
    assert fold_for_search(typed) in fold_for_search(stored)


def test_search_folding_keeps_different_letters_apart() -> None:
    assert fold_for_search("Ana") != fold_for_search("Ane")
