"""The minutes pages over HTTP: who may read, write and approve; the public list and page
without logging in, never with report text or names; drafts do not exist publicly."""

from datetime import timedelta

import pytest

from avvikelse.extensions import db
from avvikelse.models import Decision, Matter, Minutes
from avvikelse.permissions import PUBLIC_ENDPOINTS

from ..services.test_minutes import ANSWER_SENTENCE, NOW, REPORT_SENTENCE, minutes_world

pytestmark = pytest.mark.clock(NOW)

EMAILS = {
    "lsvo_chair": "lsvo.chair@test.example",
    "lsvo_secretary": "lsvo.sek@test.example",
    "lsvo_member": "lsvo.member@test.example",
    "lsvo_region": "lsvo.region@test.example",
    "staff": "staff@test.example",
    "chair": "chair@test.example",
}
NAMES = ["Lars Lsvo", "Siv Sekreterare", "Lena Lsvo", "Rolf Region", "Anna Borta"]


@pytest.fixture
def mw(app):
    with app.app_context():
        data = minutes_world()
        data["report_title"] = data["deviation"].title
        db.session.commit()
        return {name: (value.id if hasattr(value, "id") else value) for name, value in data.items()}


@pytest.fixture
def as_(auth):
    def login(who):
        auth.logout()
        response = auth.login(EMAILS[who])
        assert response.status_code == 302
        return auth.client

    return login


def page(mw):
    return f"/moten/{mw['meeting']}/protokoll"


def latest(app, mw):
    with app.app_context():
        return db.session.scalar(
            db.select(Minutes)
            .where(Minutes.meeting_id == mw["meeting"])
            .order_by(Minutes.version.desc())
        )


def draft(as_, mw, app):
    client = as_("lsvo_secretary")
    assert client.post(page(mw) + "/uppratta").status_code == 302
    return latest(app, mw).id


def approve_all(as_, mw, app):
    minutes_id = draft(as_, mw, app)
    client = as_("lsvo_secretary")
    response = client.post(
        f"{page(mw)}/{minutes_id}/justerare", data={"adjuster": mw["lsvo_region"]}
    )
    assert response.status_code == 302
    assert as_("lsvo_chair").post(f"{page(mw)}/{minutes_id}/godkann").status_code == 302
    assert as_("lsvo_region").post(f"{page(mw)}/{minutes_id}/godkann").status_code == 302
    return minutes_id


def test_non_members_do_not_see_minutes(mw, as_, app):
    minutes_id = draft(as_, mw, app)
    client = as_("staff")
    assert client.get(page(mw)).status_code == 404
    assert client.post(page(mw) + "/uppratta").status_code == 404
    assert client.post(f"{page(mw)}/{minutes_id}/godkann").status_code == 404
    assert client.get(f"/moten/grupp/{mw['lsvo']}/uppfoljning").status_code == 404
    # A member of another group is just as much an outsider.
    assert as_("chair").get(page(mw)).status_code == 404


def test_members_read_but_only_managers_write(mw, as_, app):
    client = as_("lsvo_member")
    response = client.get(page(mw))
    assert response.status_code == 200
    assert "Sekreteraren har inte upprättat protokollet ännu." in response.text
    assert client.post(page(mw) + "/uppratta").status_code == 403
    minutes_id = draft(as_, mw, app)
    client = as_("lsvo_member")
    response = client.get(page(mw))
    assert "Utkast – inte justerat" in response.text
    assert "Spara protokollstexten" not in response.text
    field = f"discussion-matter_{mw['case_matter']}"
    assert client.post(f"{page(mw)}/{minutes_id}/text", data={field: "x"}).status_code == 403
    adjuster = {"adjuster": mw["lsvo_member"]}
    assert client.post(f"{page(mw)}/{minutes_id}/justerare", data=adjuster).status_code == 403


def test_secretary_writes_the_discussion_and_a_refusal_keeps_the_text(mw, as_, app):
    minutes_id = draft(as_, mw, app)
    client = as_("lsvo_secretary")
    field = f"discussion-matter_{mw['info_matter']}"
    response = client.post(
        f"{page(mw)}/{minutes_id}/text", data={field: "Ordföranden informerade om nära vård."}
    )
    assert response.status_code == 302
    assert "Ordföranden informerade om nära vård." in client.get(page(mw)).text
    typed = "Gäller patient 19121212-1212 som kom hem."
    response = client.post(f"{page(mw)}/{minutes_id}/text", data={field: typed})
    assert response.status_code == 422
    assert typed in response.text
    assert "personnummer" in response.text
    with app.app_context():
        assert db.session.get(Matter, mw["info_matter"]).discussion == (
            "Ordföranden informerade om nära vård."
        )


def test_only_the_chair_and_the_adjuster_approve(mw, as_, app):
    minutes_id = draft(as_, mw, app)
    url = f"{page(mw)}/{minutes_id}/godkann"
    response = as_("lsvo_secretary").post(
        f"{page(mw)}/{minutes_id}/justerare", data={"adjuster": mw["lsvo_chair"]}
    )
    assert response.status_code == 422  # the chair is not a choice
    as_("lsvo_secretary").post(
        f"{page(mw)}/{minutes_id}/justerare", data={"adjuster": mw["lsvo_region"]}
    )
    assert as_("lsvo_secretary").post(url).status_code == 403
    assert as_("lsvo_member").post(url).status_code == 403
    response = as_("lsvo_chair").get(page(mw))
    assert "Godkänn som ordförande" in response.text
    assert as_("lsvo_chair").post(url).status_code == 302
    response = as_("lsvo_region").get(page(mw))
    assert "Justera protokollet" in response.text
    assert as_("lsvo_region").post(url).status_code == 302
    assert latest(app, mw).is_approved
    response = as_("lsvo_member").get(page(mw))
    assert "Justerat" in response.text
    assert "Rolf Region" in response.text  # names belong in the internal minutes


def test_correction_needs_a_reason_and_makes_version_two(mw, as_, app):
    minutes_id = approve_all(as_, mw, app)
    client = as_("lsvo_secretary")
    url = f"{page(mw)}/{minutes_id}/rattelse"
    response = client.post(url, data={"reason": ""})
    assert response.status_code == 422
    assert "Skriv varför protokollet rättas." in response.text
    assert as_("lsvo_member").post(url, data={"reason": "Fel"}).status_code == 403
    client = as_("lsvo_secretary")
    response = client.post(url, data={"reason": "Fel datum."})
    assert response.status_code == 302
    second = latest(app, mw)
    assert (second.version, second.is_approved) == (2, False)
    response = client.get(page(mw))
    assert "Version 2" in response.text
    assert "Fel datum." in response.text
    response = client.get(page(mw) + "?version=1")
    assert "Det här är en äldre version." in response.text
    # The public page still shows version 1, and a draft id does not exist there.
    assert client.get(f"/protokoll/{second.id}").status_code == 404
    assert client.get(f"/protokoll/{minutes_id}").status_code == 200


def test_public_pages_need_no_login_and_show_no_report_text_or_names(mw, as_, app, client):
    minutes_id = draft(as_, mw, app)
    as_("lsvo_secretary").post("/logout")
    assert client.get(f"/protokoll/{minutes_id}").status_code == 404  # draft
    assert client.get("/protokoll/999999").status_code == 404
    assert "Inga justerade protokoll" in client.get("/protokoll").text
    approve_all_from_draft(as_, mw, minutes_id)
    as_("lsvo_region").post("/logout")

    listing = client.get("/protokoll")
    assert listing.status_code == 200
    assert f"/protokoll/{minutes_id}" in listing.text
    assert "LSVO 2026-12-10" in listing.text
    assert f"/protokoll/{minutes_id}" in client.get(f"/protokoll?grupp={mw['lsvo']}").text
    assert f"/protokoll/{minutes_id}" not in client.get(f"/protokoll?grupp={mw['group']}").text

    response = client.get(f"/protokoll/{minutes_id}")
    assert response.status_code == 200
    html = response.text
    assert "AV-2026-0001" in html
    assert "Informationsöverföring" in html
    assert "Hälso- och sjukvårdsdirektör" in html
    assert "Region Test" in html
    assert "Rutinen ses över av samverkansgruppen." in html
    for forbidden in [REPORT_SENTENCE, ANSWER_SENTENCE, mw["report_title"], *NAMES]:
        assert forbidden not in html, forbidden
    assert "Gruppen gick igenom rutinen" not in html  # the discussion stays internal


def approve_all_from_draft(as_, mw, minutes_id):
    as_("lsvo_secretary").post(
        f"{page(mw)}/{minutes_id}/justerare", data={"adjuster": mw["lsvo_region"]}
    )
    as_("lsvo_chair").post(f"{page(mw)}/{minutes_id}/godkann")
    as_("lsvo_region").post(f"{page(mw)}/{minutes_id}/godkann")


def test_lsvo_minutes_link_from_the_councils_matter(mw, as_, app, client):
    minutes_id = approve_all(as_, mw, app)
    with app.app_context():
        matter = db.session.scalar(db.select(Matter).where(Matter.group_id == mw["council"]))
        assert matter.minutes_id == minutes_id
        assert matter.meeting_id == mw["council_meeting"]


def test_public_endpoints_are_on_the_allowlist():
    assert {"public.minutes", "public.minutes_list"} <= PUBLIC_ENDPOINTS


def test_follow_up_list_and_marking_done(mw, as_, app):
    url = f"/moten/grupp/{mw['lsvo']}/uppfoljning"
    client = as_("lsvo_member")
    response = client.get(url)
    assert response.status_code == 200
    assert "2027-03-01" in response.text
    assert "AV-2026-0001" in response.text
    assert "Att följa upp" in response.text
    assert "Markera som klar" not in response.text
    done = f"{url}/{mw['decision']}/klar"
    assert client.post(done).status_code == 403
    client = as_("lsvo_secretary")
    assert client.post(done).status_code == 302
    assert "Klar 2026-12-10" in client.get(url).text
    with app.app_context():
        assert db.session.get(Decision, mw["decision"]).follow_up_done_at is not None
    # A decision of another group is not reachable through this group's list.
    assert (
        client.post(f"/moten/grupp/{mw['group']}/uppfoljning/{mw['decision']}/klar").status_code
        == 404
    )


def test_overdue_follow_up_is_marked(mw, as_, clock):
    clock.set(NOW + timedelta(days=120))
    response = as_("lsvo_member").get(f"/moten/grupp/{mw['lsvo']}/uppfoljning")
    assert "Försenad" in response.text
