"""The step runner on its own: what every page with steps gets from it (views/steps.py)."""

from types import SimpleNamespace

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import StringField
from wtforms.validators import DataRequired

from avvikelse.extensions import db
from avvikelse.models import Region
from avvikelse.services.errors import WorkflowError
from avvikelse.views.steps import Done, FieldRefusal, back_with_flash, run_step

from .. import factories


class NoteForm(FlaskForm):
    title = StringField(validators=[DataRequired("Skriv en rubrik.")])
    note = StringField()


TYPED = {"title": "Min rubrik", "note": "Det jag skrev"}


class Refusals:
    """A page's refusal renderer that remembers what it was handed."""

    def __init__(self):
        self.calls = []

    def __call__(self, form, status):
        self.calls.append((form, status))
        return f"{form.title.data}|{form.note.data}", status


@pytest.fixture
def post(app):
    def post(data):
        return app.test_request_context("/steg", method="POST", data=data)

    return post


def regions() -> list[str]:
    return list(db.session.scalars(select(Region.key)))


def test_a_step_that_goes_through_commits_flashes_and_redirects(app, post):
    with post(TYPED):
        refused = Refusals()

        def call():
            factories.create_region("steg", "Stegregionen")
            return "Sparat."

        response = run_step(NoteForm(), call, done="/klart", refused=refused)
        assert response.status_code == 302
        assert response.location == "/klart"
        assert get_flashed_messages(with_categories=True) == [("success", "Sparat.")]
        assert refused.calls == []
        db.session.remove()  # a fresh session sees only what was committed
        assert regions() == ["steg"]


def test_done_can_name_its_own_page_and_category(app, post):
    with post(TYPED):
        response = run_step(
            NoteForm(),
            lambda: Done("Titta igen.", "warning", "/nytt/1"),
            done=lambda: pytest.fail("the call said where to go"),
            refused=Refusals(),
        )
        assert response.location == "/nytt/1"
        assert get_flashed_messages(with_categories=True) == [("warning", "Titta igen.")]


def test_a_refusal_rolls_back_and_renders_the_form_as_typed(app, post):
    with post(TYPED):
        refused = Refusals()

        def call():
            factories.create_region("steg", "Stegregionen")
            raise WorkflowError("Det går inte nu.")

        body, status = run_step(NoteForm(), call, done="/klart", refused=refused)
        assert (body, status) == ("Min rubrik|Det jag skrev", 422)
        form, _status = refused.calls[0]
        assert form.form_errors == ["Det går inte nu."]
        assert regions() == []
        assert get_flashed_messages() == []


def test_a_refusal_that_names_a_field_is_shown_at_that_field(app, post):
    with post(TYPED):
        refused = Refusals()

        def call():
            raise FieldRefusal("note", "Det finns inget sådant ärende.")

        run_step(NoteForm(), call, done="/klart", refused=refused)
        form, status = refused.calls[0]
        assert status == 422
        assert form.note.errors == ["Det finns inget sådant ärende."]
        assert form.form_errors == []


def test_a_stale_version_is_a_conflict_and_keeps_the_text(app, post):
    with post(TYPED):
        refused = Refusals()
        case = SimpleNamespace(version=3)
        body, status = run_step(
            NoteForm(),
            lambda: pytest.fail("nothing may be saved over someone else's change"),
            done="/klart",
            refused=refused,
            version=(case, "2"),
        )
        assert (body, status) == ("Min rubrik|Det jag skrev", 409)
        assert "ändrats av någon annan" in refused.calls[0][0].form_errors[0]


def test_a_concurrent_write_found_at_flush_is_the_same_conflict(app, post):
    with post(TYPED):

        def call():
            raise StaleDataError("version mismatch")

        _body, status = run_step(NoteForm(), call, done="/klart", refused=Refusals())
        assert status == 409


def test_the_current_version_goes_through(app, post):
    with post(TYPED):
        case = SimpleNamespace(version=3)
        response = run_step(
            NoteForm(), lambda: "Sparat.", done="/klart", refused=Refusals(), version=(case, "3")
        )
        assert response.status_code == 302


def test_an_invalid_form_keeps_the_input_and_its_field_errors(app, post):
    with post({"title": "", "note": "Det jag skrev"}):
        refused = Refusals()
        body, status = run_step(
            NoteForm(),
            lambda: pytest.fail("an invalid form calls no service"),
            done="/klart",
            refused=refused,
        )
        assert (body, status) == ("|Det jag skrev", 422)
        form = refused.calls[0][0]
        assert form.title.errors == ["Skriv en rubrik."]
        assert form.form_errors == []


def test_an_invalid_form_can_say_one_reason_instead(app, post):
    with post({"title": ""}):
        refused = Refusals()
        run_step(
            NoteForm(),
            lambda: "Sparat.",
            done="/klart",
            refused=refused,
            invalid="Ange rubrik och anteckning.",
        )
        assert refused.calls[0][0].form_errors == ["Ange rubrik och anteckning."]


def test_a_button_refusal_is_flashed_on_the_page_it_came_from(app, post):
    with post(TYPED):

        def call():
            raise WorkflowError("Mötet är redan inställt.")

        response = run_step(NoteForm(), call, done="/klart", refused=back_with_flash("/mote/1"))
        assert response.status_code == 302
        assert response.location == "/mote/1"
        assert get_flashed_messages(with_categories=True) == [("error", "Mötet är redan inställt.")]


def test_a_button_flashes_field_reasons_when_the_form_has_none(app, post):
    with post({"title": "", "note": ""}):
        run_step(NoteForm(), lambda: "Sparat.", done="/klart", refused=back_with_flash("/mote/1"))
        assert get_flashed_messages(with_categories=True) == [("error", "Skriv en rubrik.")]


def test_the_form_is_checked_for_its_csrf_token(app, post):
    app.config["WTF_CSRF_ENABLED"] = True
    with post(TYPED):
        refused = Refusals()
        _body, status = run_step(NoteForm(), lambda: "Sparat.", done="/klart", refused=refused)
        assert status == 422
        assert refused.calls[0][0].csrf_token.errors
