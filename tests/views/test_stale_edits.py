"""Lost updates: two people open the same edit form, both save; the second is refused with 409,
a Swedish message and their text kept, instead of silently overwriting the first. Saving the
kept text again then replaces the other's knowingly (the refused page carries the new version).

Each page is driven as a browser would: the form is read from the page, one field changed, and
the whole form posted back, so the test also proves that the page carries the version.
"""

from datetime import UTC, date, datetime, time
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import text
from sqlalchemy.orm.exc import StaleDataError

from avvikelse.extensions import db
from avvikelse.models import (
    Category,
    Deviation,
    EffortKind,
    Membership,
    Organization,
    OrganizationKind,
    User,
)
from avvikelse.services import admin, clusters, meetings
from avvikelse.services import improvement as service

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)

REFUSED = "Någon annan har sparat ändringar här sedan du öppnade sidan. Ingenting sparades."


class _Forms(HTMLParser):
    """The POST forms of a page with the values a browser would send (checked boxes only,
    the selected option, the textarea's text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {}
            self.forms.append(self._form)
        if self._form is None or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form[a["name"]] = a.get("value", "y")
            elif kind not in ("submit", "button"):
                self._form[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self._form.setdefault(self._select, "")
        elif tag == "option" and self._select is not None:
            if "selected" in a:
                self._form[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._form[self._textarea] += data


def form_values(page: str, field: str) -> dict:
    """The POST form of the page that holds `field`."""
    parser = _Forms()
    parser.feed(page)
    found = [f for f in parser.forms if field in f]
    assert found, f"no form with {field}"
    values = found[0]
    # A textarea's first newline belongs to the markup, not the text.
    return {k: v.removeprefix("\r\n").removeprefix("\n") for k, v in values.items()}


def two_writers(first, second, url: str, field: str, *, form_url: str | None = None):
    """Both open the form, `first` saves, `second` saves over it: refused and kept; saving the
    kept text again replaces the first's."""
    form_url = form_url or url
    first_form = form_values(first.get(form_url).get_data(as_text=True), field)
    second_form = form_values(second.get(form_url).get_data(as_text=True), field)
    assert any(k.endswith("version") for k in first_form), "the form carries no version"
    first_form[field] = "Först sparad text"
    second_form[field] = "Andra skribentens text"

    assert first.post(url, data=first_form).status_code == 302
    refused = second.post(url, data=second_form)
    assert refused.status_code == 409
    page = unescape(refused.get_data(as_text=True))
    assert REFUSED in page
    assert "Andra skribentens text" in page
    assert "Först sparad text" in unescape(first.get(form_url).get_data(as_text=True))

    again = form_values(refused.get_data(as_text=True), field)
    assert again[field] == "Andra skribentens text"
    assert second.post(url, data=again).status_code == 302
    assert "Andra skribentens text" in unescape(first.get(form_url).get_data(as_text=True))


@pytest.fixture
def sw(app):
    with app.test_request_context():
        w = factories.case_world()
        other_admin = factories.create_user(
            w["regionorg"], "admin2@test.example", name="Otto Admin", is_admin=True
        )
        meeting = meetings.plan_meeting(
            w["group"],
            day=date(2026, 12, 17),
            starts=time(13),
            ends=None,
            place="Wämö",
            link=None,
            actor=w["secretary"],
            now=NOW,
        )
        matter = meetings.raise_matter(
            meeting,
            kind=meetings.MatterKind.INFORMATION,
            raised_by=meetings.RaisedBy.MEMBER,
            presentation=meetings.Presentation(title="Hjälpmedel vid utskrivning"),
            actor=w["member"],
            now=NOW,
        )
        effort = service.start_effort(
            title="Läkemedelslistan följer med",
            kind=EffortKind.SMALL_ADJUSTMENT,
            owner_group=w["group"],
            actor=w["chair"],
            now=NOW,
        )
        cluster = clusters.create_cluster(
            w["group"],
            name="Utskrivningar utan besked",
            description=None,
            deviations=[w["deviation"]],
            reason="Samma brist",
            actor=w["chair"],
            now=NOW,
        )
        db.session.commit()
        return {
            "admin": w["admin"].email,
            "other_admin": other_admin.email,
            "matter": matter.id,
            "effort": effort.id,
            "cluster": cluster.id,
            "deviation": w["deviation"].id,
            "user": w["member"].id,
            "organization": w["kommun"].id,
            "unit": w["unit"].id,
            "group": w["group"].id,
            "membership": db.session.scalar(
                db.select(Membership.id).where(Membership.user_id == w["member"].id)
            ),
            "category": db.session.scalar(db.select(Category.id)),
        }


@pytest.fixture
def second(app):
    return app.test_client()


def logged_in(client, email):
    assert client.post(
        "/login", data={"email": email, "password": factories.PASSWORD}
    ).status_code == (302)
    return client


def test_the_second_foredragning_is_refused_and_kept(client, second, sw):
    """The member who raised the matter and the chair edit the föredragning at once."""
    two_writers(
        logged_in(client, "member@test.example"),
        logged_in(second, "chair@test.example"),
        f"/moten/arenden/{sw['matter']}/redigera",
        "background",
    )


def test_the_second_answers_on_a_case_are_refused_and_kept(client, second, sw):
    url = f"/forbattring/avvikelse/{sw['deviation']}/fyra-fragor"
    two_writers(
        logged_in(client, "chair@test.example"),
        logged_in(second, "secretary@test.example"),
        url,
        "current_state",
    )


def test_the_first_answers_ever_are_not_overwritten_either(client, second, sw):
    """Before the first save there is no row: both forms carry version 0, and the second
    save finds the row the first one created."""
    url = f"/forbattring/avvikelse/{sw['deviation']}/fyra-fragor"
    chair = logged_in(client, "chair@test.example")
    form = form_values(chair.get(url).get_data(as_text=True), "current_state")
    assert form["version"] == "0"
    two_writers(chair, logged_in(second, "secretary@test.example"), url, "measurement")


def test_the_second_answers_on_an_effort_are_refused_and_kept(client, second, sw):
    two_writers(
        logged_in(client, "chair@test.example"),
        logged_in(second, "secretary@test.example"),
        f"/forbattring/{sw['effort']}/fyra-fragor",
        "questions-possible_improvements",
        form_url=f"/forbattring/{sw['effort']}",
    )


def test_the_second_answers_on_a_cluster_are_refused_and_kept(client, second, sw):
    two_writers(
        logged_in(client, "chair@test.example"),
        logged_in(second, "secretary@test.example"),
        f"/kluster/{sw['cluster']}/fyra-fragor",
        "required_changes",
        form_url=f"/kluster/{sw['cluster']}",
    )


ADMIN_EDITS = {
    "user": ("/admin/anvandare/{id}", "title"),
    "organization": ("/admin/organisationer/{id}", "name"),
    "unit": ("/admin/enheter/{id}", "name"),
    "group": ("/admin/grupper/{id}/andra", "name"),
    "membership": ("/admin/medlemskap/{id}", "function"),
    "category": ("/admin/kategorier/{id}", "description"),
}


@pytest.mark.parametrize("kind", sorted(ADMIN_EDITS))
def test_the_second_admin_edit_is_refused_and_kept(client, second, sw, kind):
    url, field = ADMIN_EDITS[kind]
    two_writers(
        logged_in(client, sw["admin"]),
        logged_in(second, sw["other_admin"]),
        url.format(id=sw[kind]),
        field,
    )


def test_a_log_in_or_a_deactivation_does_not_make_an_edit_stale(client, second, sw, app):
    """Only an edit moves the version: the edited person logging in (which writes their row)
    or a button elsewhere does not refuse the administrator's save."""
    admin = logged_in(client, sw["admin"])
    url = f"/admin/anvandare/{sw['user']}"
    form = form_values(admin.get(url).get_data(as_text=True), "title")
    logged_in(second, "member@test.example")
    admin.post(f"/admin/organisationer/{sw['organization']}/aktiv")
    admin.post(f"/admin/organisationer/{sw['organization']}/aktiv")
    form["title"] = "Sjuksköterska"
    assert admin.post(url, data=form).status_code == 302
    with app.app_context():
        assert db.session.get(User, sw["user"]).title == "Sjuksköterska"


def test_an_edit_form_without_its_version_is_refused(client, sw):
    admin = logged_in(client, sw["admin"])
    url = f"/admin/organisationer/{sw['organization']}"
    form = form_values(admin.get(url).get_data(as_text=True), "name")
    del form["version"]
    form["name"] = "Testby kommun ändrad"
    response = admin.post(url, data=form)
    assert response.status_code == 422
    assert "Ladda om sidan och försök igen." in response.get_data(as_text=True)
    assert 'value="Testby kommun ändrad"' in response.get_data(as_text=True)


def test_two_saves_at_the_same_moment_cannot_both_win(app, sw):
    """Both saves pass the version check before either commits: the database's UPDATE … WHERE
    version = n (version_id_col) refuses the later one."""
    with app.app_context():
        organization = db.session.get(Organization, sw["organization"])
        seen = organization.version
        # The other save commits between this one's check and its flush.
        db.session.execute(
            text("UPDATE organizations SET version = version + 1 WHERE id = :id"),
            {"id": organization.id},
        )
        with pytest.raises(StaleDataError):
            admin.update_organization(
                organization,
                name="Testby kommun",
                kind=OrganizationKind.MUNICIPALITY,
                is_party=True,
                version=seen,
            )


def test_two_first_answers_at_the_same_moment_cannot_both_win(client, second, sw, app, monkeypatch):
    """Both saves find no answers yet; the first one's row is committed before the second
    inserts its own: the unique key refuses it, and the second writer gets the 409."""
    url = f"/forbattring/avvikelse/{sw['deviation']}/fyra-fragor"
    chair = logged_in(client, "chair@test.example")
    secretary = logged_in(second, "secretary@test.example")
    first_form = form_values(chair.get(url).get_data(as_text=True), "current_state")
    second_form = form_values(secretary.get(url).get_data(as_text=True), "current_state")
    first_form["current_state"] = "Först sparad text"
    second_form["current_state"] = "Andra skribentens text"
    assert chair.post(url, data=first_form).status_code == 302
    # The second save's look-up ran before the first commit: it saw no answers.
    monkeypatch.setattr(service, "subject_questions", lambda **subject: None)
    refused = secretary.post(url, data=second_form)
    assert refused.status_code == 409
    assert REFUSED in unescape(refused.get_data(as_text=True))
    assert "Andra skribentens text" in unescape(refused.get_data(as_text=True))
    with app.app_context():
        assert service.case_questions(db.session.get(Deviation, sw["deviation"])).current_state == (
            "Först sparad text"
        )
