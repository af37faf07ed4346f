"""The questions and criteria pages are one set (`_setup_pages`), registered by the call's
set-up and by the grant programmes' set-up under their own URLs."""

from pathlib import Path

SHARED = {
    "questions": "/questions",
    "edit_question": "/questions/<int:question_id>",
    "delete_question": "/questions/<int:question_id>/delete",
    "criteria": "/criteria",
    "edit_criterion": "/criteria/<int:criterion_id>",
    "delete_criterion": "/criteria/<int:criterion_id>/delete",
    "move": "/<kind>/<int:item_id>/move",
}
PREFIXES = {
    "cfp_setup": "/manage/<event_slug>/cfp",
    "grant_setup": "/manage/<event_slug>/grants/<programme_public_id>",
}


def test_both_areas_register_the_same_pages(app):
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    for area, prefix in PREFIXES.items():
        for endpoint, path in SHARED.items():
            assert rules[f"{area}.{endpoint}"] == prefix + path
            view = app.view_functions[f"{area}.{endpoint}"]
            assert view.access_rule == "organizer"


def test_the_copies_are_gone():
    templates = Path(__file__).parents[2] / "templates"
    for area in ("cfp_setup", "grant_setup"):
        for name in ("questions", "criteria", "_criterion_fields", "edit"):
            assert not (templates / area / f"{name}.html").exists()
    for name in ("questions", "criteria", "_criterion_fields", "edit"):
        assert (templates / "setup" / f"{name}.html").exists()
