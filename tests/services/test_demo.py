"""Demo log-ins: one published password for the region file's people, never in production."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from avvikelse.extensions import db
from avvikelse.models import Group, Meeting, User
from avvikelse.services.accounts import authenticate, set_password
from avvikelse.services.demo import DEMO_PASSWORD, load_demo
from avvikelse.services.errors import WorkflowError
from avvikelse.services.meetings import group_meetings, meeting_date
from avvikelse.services.regions import RegionFileError, load_region

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_demo_logins_in_file_order_with_one_password(ctx):
    load_region("blekinge")

    logins = load_demo("blekinge", now=NOW)

    assert [label for label, _ in logins] == [
        "Administratör",
        "Rapportör Region (sjuksköterska)",
        "Rapportör kommun (sjuksköterska Ronneby)",
        "Ordförande Samverkansgrupp Äldre",
        "Sekreterare Samverkansgrupp Äldre",
        "Ledamot Samverkansgrupp Äldre (Karlskrona)",
        "Ordförande LSVO",
        "Sekreterare LSVO",
        "Ledamot LSVO (Region Blekinge)",
        "Ledamot LSVO (Ronneby)",
        "Avvikelsesamordnare Region Blekinge",
        "Avvikelsesamordnare Ronneby kommun",
    ]
    admin = logins[0][1]
    assert admin.is_admin
    assert [u for _, u in logins if u.is_admin] == [admin]
    assert logins[2][1].organization.name == "Ronneby kommun"
    hashes = set(db.session.scalars(select(User.password_hash)))
    assert len(hashes) == 1
    assert check_password_hash(hashes.pop(), DEMO_PASSWORD)
    assert authenticate(logins[5][1].email, DEMO_PASSWORD, now=NOW) == logins[5][1]


def test_a_password_already_set_is_kept(ctx):
    load_region("blekinge")
    nurse = user("sanna.lindberg@regionblekinge.example")
    set_password(nurse, "mitt-eget-losenord")

    load_demo("blekinge", now=NOW)

    assert check_password_hash(nurse.password_hash, "mitt-eget-losenord")


def test_a_locked_demo_account_is_unlocked(ctx):
    load_region("blekinge")
    load_demo("blekinge", now=NOW)
    nurse = user("ida.ekberg@ronneby.example")
    nurse.locked_until, nurse.failed_logins = NOW + timedelta(minutes=10), 3

    load_demo("blekinge", now=NOW)

    assert nurse.locked_until is None
    assert nurse.failed_logins == 0


def test_demo_needs_the_region_loaded(ctx):
    with pytest.raises(RegionFileError, match="ladda regionen först"):
        load_demo("jamtland-harjedalen", now=NOW)


def test_demo_is_refused_in_production(app):
    app.config["AVVIKELSE_ENV"] = "production"
    with app.app_context():
        load_region("blekinge")
        with pytest.raises(WorkflowError, match="i drift"):
            load_demo("blekinge", now=NOW)
        assert db.session.scalars(select(User.password_hash)).all() == [None] * 98


def test_every_demo_login_works_over_http(app, client):
    with app.app_context():
        load_region("blekinge")
        logins = [(label, user.email) for label, user in load_demo("blekinge", now=NOW)]
        db.session.commit()
    for label, email in logins:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, label
        assert client.get("/").status_code == 200, label
        client.post("/logout")


def test_the_demo_gets_a_year_of_meetings_once(ctx):
    load_region("blekinge")
    load_demo("blekinge", now=NOW)
    lsvo = db.session.scalar(select(Group).where(Group.name.like("%LSVO%")))
    days = [meeting_date(m) for m in group_meetings(lsvo)]
    assert len(days) == 11  # a year without July
    assert all(d.weekday() == 3 and 8 <= d.day <= 14 for d in days)
    assert 7 not in {d.month for d in days}
    total = db.session.scalar(select(func.count(Meeting.id)))
    load_demo("blekinge", now=NOW)
    assert db.session.scalar(select(func.count(Meeting.id))) == total
