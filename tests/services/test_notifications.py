import smtplib
from datetime import UTC, datetime

import pytest

from avvikelse.extensions import db
from avvikelse.models import EmailStatus, Notification, User
from avvikelse.services import notifications

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


class FakeSMTP:
    sent: list = []
    fail = False

    def __init__(self, host, port, timeout):
        self.host = host

    def __enter__(self):
        if FakeSMTP.fail:
            raise smtplib.SMTPConnectError(421, "down")
        return self

    def __exit__(self, *args):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(monkeypatch):
    FakeSMTP.sent = []
    FakeSMTP.fail = False
    monkeypatch.setattr(notifications.smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


@pytest.mark.parametrize("app", [{"MAIL_SERVER": "smtp.test"}], indirect=True)
def test_outbox_sends_once_without_report_text(app, world, smtp):
    with app.app_context():
        user = db.session.get(User, world["staff"])
        notifications.notify(
            user,
            kind="x",
            subject="Ny avvikelse AV-2026-0001",
            body="Ärende AV-2026-0001",
            now=NOW,
            url="/avvikelser/1",
        )
        assert notifications.notify(user, kind="x", subject="igen", body="b", now=NOW) is None
        assert notifications.send_outbox(now=NOW) == {
            "sent": 1,
            "logged": 0,
            "retry_later": 0,
            "failed": 0,
        }
        assert notifications.send_outbox(now=NOW)["sent"] == 0
        assert smtp.sent[0]["To"] == "staff@test.example"
        assert "/avvikelser/1" in smtp.sent[0].get_body(("plain",)).get_content()


@pytest.mark.parametrize("app", [{"MAIL_SERVER": "smtp.test"}], indirect=True)
def test_a_down_server_is_retried_then_shown_as_failed(app, world, smtp):
    smtp.fail = True
    with app.app_context():
        user = db.session.get(User, world["staff"])
        notifications.notify(user, kind="x", subject="s", body="b", now=NOW)
        now = NOW
        for attempt in range(1, notifications.MAX_EMAIL_ATTEMPTS + 1):
            assert notifications.send_outbox(now=now)["failed"] == (
                1 if attempt == notifications.MAX_EMAIL_ATTEMPTS else 0
            )
            # Backing off: tried again only once the wait after this attempt has passed.
            assert notifications.send_outbox(now=now)["retry_later"] == 0
            now += notifications.retry_delay(attempt)
        note = db.session.scalar(db.select(Notification))
        assert note.email_status is EmailStatus.FAILED
        assert note.email_attempts == notifications.MAX_EMAIL_ATTEMPTS
        assert "down" in note.email_error
