"""E-mail through a real local SMTP server (aiosmtpd): the mails arrive, with a link and
without report free text; a down server means retries with back-off, then a failure the
administrators see, and nothing is lost; the weekly digest and the per-user preference."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from avvikelse.extensions import db
from avvikelse.jobs import JOBS, run_job
from avvikelse.models import EmailDelivery, EmailStatus, Notification, User
from avvikelse.services import notifications
from avvikelse.services.deviations import request_answers, submit_deviation
from avvikelse.services.digest import send_weekly_digest

from .. import factories
from .conftest import at, html, plain

# The mails are checked against literal weeks and dates; case_world submits at the clock.
pytestmark = pytest.mark.clock(at(date(2026, 11, 23), 10))

SECRET = "Hemlig-fritext-7Q"  # what a reporter typed; must never leave in an e-mail


@pytest.fixture
def app(app, smtp_server):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        AVVIKELSE_BASE_URL="https://avvikelse.example",
    )
    return app


def case_with_free_text(world, now):
    deviation = submit_deviation(
        factories.report(
            [world["regionorg"]],
            world["category"],
            title=f"Titel {SECRET}",
            description=f"Beskrivning {SECRET}",
            immediate_action=f"Åtgärd {SECRET}",
            proposal=f"Förslag {SECRET}",
            agreement=f"Överenskommelse {SECRET}",
            occurred_on=date(2026, 11, 1),
            discovered_on=date(2026, 11, 1),
        ),
        actor=world["staff"],
        now=now,
    )
    request_answers(deviation, due_on=date(2026, 11, 27), actor=world["secretary"], now=now)
    return deviation


def test_every_job_mails_case_number_category_and_link_but_no_free_text(app, smtp_server):
    smtp_server.start()
    with app.app_context():
        world = factories.case_world()
        deviation = case_with_free_text(world, at(date(2026, 11, 2), 9))
        db.session.commit()
        # Every job on every day from before the reminder to after the deadline and a Monday.
        day = date(2026, 11, 25)
        while day <= date(2026, 12, 1):
            for name in JOBS:
                assert run_job(name, now=at(day, 7)).ok
            day += timedelta(days=1)
        assert run_job("send_outbox", now=at(day, 7)).ok  # what the last day's jobs queued
        mails = smtp_server.mailbox.received()
        notes = db.session.scalars(select(Notification)).all()
        assert {n.email_status for n in notes} == {EmailStatus.SENT}
        assert len(mails) == len(notes)
        kinds = {n.kind for n in notes}
        assert {"answer_reminder", "answer_overdue", "weekly_digest"} <= kinds
        for mail in mails:
            text, page = plain(mail), html(mail)
            assert SECRET not in mail["Subject"]
            assert SECRET not in text
            assert SECRET not in page
            assert "https://avvikelse.example/" in text
            assert 'href="https://avvikelse.example/' in page
        reminder = next(m for m in mails if m["Subject"].startswith("Påminnelse"))
        assert reminder["To"] == "coord.region@test.example"
        assert deviation.number in plain(reminder)
        assert "Informationsöverföring" in plain(reminder)
        assert f"https://avvikelse.example/avvikelser/{deviation.id}" in plain(reminder)
        digest = next(
            m
            for m in mails
            if m["Subject"] == "Veckosammanfattning vecka 49" and m["To"] == "chair@test.example"
        )
        assert deviation.number in plain(digest)
        assert "Försenade svar" in html(digest)


def test_a_down_server_is_retried_with_back_off_then_shown_to_admins(
    app, smtp_server, client, auth, world
):
    with app.app_context():
        user = db.session.get(User, world["staff"])
        notifications.notify(
            user,
            kind="test",
            subject="Ny avvikelse AV-2026-0001",
            body="b",
            now=at(date(2026, 11, 2)),
        )
        db.session.commit()
        now = at(date(2026, 11, 2), 8)
        tries = []
        for _ in range(30):  # half an hour of runs every minute
            result = notifications.send_outbox(now=now)
            tries.append(result["retry_later"] + result["failed"])
            now += timedelta(minutes=1)
        note = db.session.scalar(select(Notification))
        assert note.email_status is EmailStatus.FAILED
        assert note.email_attempts == notifications.MAX_EMAIL_ATTEMPTS
        assert "refused" in note.email_error.lower() or "errno" in note.email_error.lower()
        # Tried at minutes 0, 1, 3, 7 and 15: waits of 1, 2, 4 and 8 minutes.
        assert [i for i, n in enumerate(tries) if n] == [0, 1, 3, 7, 15]
        note_id = note.id

    auth.login("admin@test.example")
    page = client.get("/admin/jobb").get_data(as_text=True)
    assert "Ny avvikelse AV-2026-0001" in page
    assert "staff@test.example" in page

    smtp_server.start()
    response = client.post(f"/admin/jobb/epost/{note_id}/skicka-igen")
    assert response.status_code == 302
    with app.app_context():
        assert notifications.send_outbox(now=now)["sent"] == 1
        assert db.session.get(Notification, note_id).email_status is EmailStatus.SENT
    assert [m["Subject"] for m in smtp_server.mailbox.received()] == ["Ny avvikelse AV-2026-0001"]
    assert "Ny avvikelse AV-2026-0001" not in client.get("/admin/jobb").get_data(as_text=True)


def test_digest_preference_holds_mail_for_the_weekly_digest(app, smtp_server):
    smtp_server.start()
    with app.app_context():
        world = factories.case_world()
        coordinator = world["region_coordinator"]
        notifications.set_email_delivery(
            coordinator, EmailDelivery.DIGEST, now=at(date(2026, 11, 1))
        )
        deviation = case_with_free_text(world, at(date(2026, 11, 2), 9))
        db.session.commit()
        notifications.send_outbox(now=at(date(2026, 11, 1)))  # case_world's, before the choice
        held = db.session.scalars(
            select(Notification).where(
                Notification.user_id == coordinator.id,
                Notification.deviation_id == deviation.id,
            )
        ).all()
        assert held
        assert {n.email_status for n in held} == {EmailStatus.DIGEST}
        before = len(smtp_server.mailbox.received())
        notifications.send_outbox(now=at(date(2026, 11, 2), 10))
        later = smtp_server.mailbox.received()[before:]
        assert coordinator.email not in [m["To"] for m in later]

        monday = at(date(2026, 11, 9), 7)
        result = send_weekly_digest(now=monday)
        assert result["held_included"] == len(held)
        again = send_weekly_digest(now=monday + timedelta(hours=3))
        assert (again["sent"], again["held_included"]) == (0, 0)
        notifications.send_outbox(now=monday)
        to_coordinator = [
            m for m in smtp_server.mailbox.received()[before:] if m["To"] == coordinator.email
        ]
        assert len(to_coordinator) == 1
        assert to_coordinator[0]["Subject"] == "Veckosammanfattning vecka 46"
        assert deviation.number in plain(to_coordinator[0])
        assert SECRET not in plain(to_coordinator[0])
        assert {n.email_status for n in held} == {EmailStatus.DIGESTED}


def test_chairs_and_secretaries_get_one_digest_a_week_and_empty_ones_are_not_sent(app):
    with app.app_context():
        world = factories.case_world()  # one case submitted 2026-11-23
        db.session.commit()
        monday = at(date(2026, 11, 30), 7)
        result = send_weekly_digest(now=monday)
        assert result["sent"] == 2  # the samverkansgrupp's chair and secretary
        assert result["empty"] == 1  # LSVO's chair has nothing this week
        digest = db.session.scalar(
            select(Notification).where(
                Notification.kind == "weekly_digest", Notification.user_id == world["chair"].id
            )
        )
        assert digest.key == f"weekly_digest:digest:2026-W49:{world['chair'].id}"
        section = digest.data["groups"][0]["sections"][0]
        assert section["items"] == [
            {
                "text": f"{world['deviation'].number} · Informationsöverföring",
                "url": f"/avvikelser/{world['deviation'].id}",
            }
        ]
        assert send_weekly_digest(now=monday + timedelta(days=2))["sent"] == 0
        assert send_weekly_digest(now=monday + timedelta(days=7))["sent"] == 0  # nothing new


def test_choosing_immediately_again_releases_held_mail(app, world):
    with app.app_context():
        user = db.session.get(User, world["staff"])
        notifications.set_email_delivery(user, EmailDelivery.DIGEST, now=at(date(2026, 11, 1)))
        note = notifications.notify(
            user, kind="x", subject="s", body="b", now=at(date(2026, 11, 2))
        )
        db.session.flush()
        assert note.email_status is EmailStatus.DIGEST
        notifications.set_email_delivery(user, EmailDelivery.IMMEDIATELY, now=at(date(2026, 11, 3)))
        db.session.refresh(note)
        assert note.email_status is EmailStatus.PENDING


def test_account_page_sets_the_preference(app, client, auth, world):
    auth.login("staff@test.example")
    page = client.get("/konto/").get_data(as_text=True)
    assert "Samlat i veckosammanfattningen" in page
    response = client.post("/konto/epost", data={"delivery": "digest"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, world["staff"])
        assert notifications.email_delivery(user) is EmailDelivery.DIGEST
    refused = client.post("/konto/epost", data={"delivery": "sometimes"})
    assert refused.status_code == 422
    assert "Not a valid choice" in refused.get_data(as_text=True) or "giltig" in refused.get_data(
        as_text=True
    )


def test_without_a_mail_server_mail_is_logged_and_listed_for_admins(
    app, client, auth, world, caplog
):
    app.config["MAIL_SERVER"] = None
    with app.app_context():
        notifications.notify(
            db.session.get(User, world["staff"]),
            kind="test",
            subject="Ny avvikelse AV-2026-0001",
            body="b",
            url="/avvikelser/1",
            now=at(date(2026, 11, 2)),
        )
        db.session.commit()
        assert notifications.send_outbox(now=at(date(2026, 11, 2), 8))["logged"] == 1
    # A warning, so the demo's server output shows it without any logging set up.
    logged = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "staff@test.example" in logged[0].getMessage()
    assert "https://avvikelse.example/avvikelser/1" in logged[0].getMessage()

    auth.login("admin@test.example")
    page = client.get("/admin/jobb").get_data(as_text=True)
    assert "Loggad e-post" in page
    assert '<a href="/avvikelser/1">Ny avvikelse AV-2026-0001</a>' in page
    assert "Loggade utan e-postserver: 1." in page
