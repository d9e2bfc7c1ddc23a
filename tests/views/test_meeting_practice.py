"""The meeting page's move, cancel and extra-meeting steps over HTTP, and recording after the
meeting day (issue 14)."""

from datetime import UTC, datetime, timedelta

import pytest

from avvikelse.extensions import db
from avvikelse.models import Meeting

from . import test_meetings
from .test_meetings import NOW, login

pytestmark = pytest.mark.clock(NOW)
mw = test_meetings.mw  # the meeting page's world, shared
AFTER = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)  # three days after the meeting


@pytest.mark.parametrize("role", ["member", "lsvo_member"])
def test_only_the_groups_chair_and_secretary_move_cancel_or_call(client, auth, mw, role):
    login(auth, role)
    status = 403 if role == "member" else 404
    assert client.post(f"/moten/{mw['meeting']}/flytta").status_code == status
    assert client.post(f"/moten/{mw['meeting']}/stall-in").status_code == status
    assert client.post(f"/moten/grupp/{mw['group']}/extra-sammantrade").status_code == status
    if role == "member":
        page = client.get(f"/moten/{mw['meeting']}").get_data(as_text=True)
        assert "Flytta mötet" not in page


def test_moving_without_a_reason_keeps_the_input(app, client, auth, mw):
    login(auth, "secretary")
    assert "Flytta mötet" in client.get(f"/moten/{mw['meeting']}").get_data(as_text=True)
    data = {"move-day": "2026-12-10", "move-starts": "09:30", "move-place": "Länshuset"}
    response = client.post(f"/moten/{mw['meeting']}/flytta", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Skriv varför mötet flyttas." in page
    assert 'value="Länshuset"' in page
    data["move-reason"] = "Lokalen är upptagen"
    response = client.post(f"/moten/{mw['meeting']}/flytta", data=data)
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, mw["meeting"])
        assert meeting.move_reason == "Lokalen är upptagen"
        assert meeting.place == "Länshuset"
    past = {**data, "move-day": "2026-11-01"}
    response = client.post(f"/moten/{mw['meeting']}/flytta", data=past)
    assert response.status_code == 422
    assert "har passerat" in response.get_data(as_text=True)


def test_cancelling_needs_a_reason(client, auth, mw):
    login(auth, "chair")
    response = client.post(f"/moten/{mw['meeting']}/stall-in", data={"cancel-reason": ""})
    assert response.status_code == 422
    assert "Skriv varför mötet ställs in." in response.get_data(as_text=True)
    response = client.post(f"/moten/{mw['meeting']}/stall-in", data={"cancel-reason": "Sjukdom"})
    assert response.status_code == 302
    page = client.get(f"/moten/{mw['meeting']}/kallelse").get_data(as_text=True)
    assert "Mötet är inställt. Skäl: Sjukdom" in page


def test_an_extra_meeting_by_the_secretary_needs_the_chairs_decision(client, auth, mw):
    login(auth, "secretary")
    data = {
        "extra-day": "2026-11-27",
        "extra-starts": "10:00",
        "extra-notice_days": "2",
        "extra-reason": "Brådskande läkemedelsfråga",
    }
    url = f"/moten/grupp/{mw['group']}/extra-sammantrade"
    response = client.post(url, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "kräver ordförandens beslut" in page
    assert "Brådskande läkemedelsfråga" in page
    response = client.post(url, data={**data, "extra-chair_decided": "y"})
    assert response.status_code == 302
    notice = client.get(response.location.split("#")[0] + "/kallelse").get_data(as_text=True)
    assert "2 dagar i stället för 7" in notice


def test_attendance_and_decisions_after_the_meeting_day(client, auth, mw, clock):
    login(auth, "secretary")
    page = client.get(f"/moten/{mw['meeting']}").get_data(as_text=True)
    assert "Spara närvaron" not in page
    response = client.post(f"/moten/{mw['meeting']}/narvaro", data={"attendance-present": []})
    assert response.status_code == 422
    assert "registreras från det att mötet börjar" in response.get_data(as_text=True)
    clock.set(AFTER + timedelta(days=2))
    assert "Spara närvaron" in client.get(f"/moten/{mw['meeting']}").get_data(as_text=True)
    prefix = f"decision-{mw['matter']}"
    response = client.post(
        f"/moten/arenden/{mw['matter']}/beslut",
        data={f"{prefix}-outcome": "noted", f"{prefix}-text": ""},
    )
    assert response.status_code == 302
