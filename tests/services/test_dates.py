"""The one clock and the Stockholm calendar (services/dates.py), and UTCDateTime (db.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from avvikelse import create_app
from avvikelse.config import ConfigError
from avvikelse.extensions import db
from avvikelse.models import JobRun
from avvikelse.services import dates


def test_the_app_reads_its_own_clock(app, clock):
    with app.app_context():
        assert dates.now() == clock.at
        clock.advance(timedelta(hours=5))
        assert dates.now() == clock.at


def test_without_an_app_the_system_clock_answers():
    before = datetime.now(UTC)
    assert before <= dates.now() <= datetime.now(UTC)


def test_a_shifted_clock_runs_from_the_file(tmp_path):
    shift = tmp_path / "shift"
    clock = dates.ShiftedClock(shift)
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)  # no file: no shift
    shift.write_text(str(timedelta(days=400).total_seconds()))
    assert abs(clock() - (datetime.now(UTC) + timedelta(days=400))) < timedelta(seconds=5)


@pytest.mark.parametrize("env", ["production", "dev"])
def test_the_clock_shift_is_refused_outside_test_and_demo(tmp_path, env):
    with pytest.raises(ConfigError, match="CLOCK_SHIFT_FILE"):
        create_app(
            {
                "AVVIKELSE_ENV": env,
                "SECRET_KEY": "x" * 64,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
                "CLOCK_SHIFT_FILE": str(tmp_path / "shift"),
            }
        )


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),  # 00:30 in Stockholm
        (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), date(2026, 7, 1)),  # summer time, +2
        (datetime(2026, 6, 30, 21, 59, tzinfo=UTC), date(2026, 6, 30)),
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), date(2027, 3, 28)),  # 01:30, before the change
    ],
)
def test_domain_dates_are_stockholm_dates(instant, day):
    assert dates.local_today(instant) == day


def test_local_midnight_follows_daylight_saving():
    assert dates.local_midnight(date(2027, 3, 28)) == datetime(2027, 3, 27, 23, tzinfo=UTC)
    assert dates.local_midnight(date(2027, 3, 29)) == datetime(2027, 3, 28, 22, tzinfo=UTC)


def test_month_arithmetic():
    assert dates.add_months(date(2026, 12, 15), 1) == date(2027, 1, 1)
    assert dates.add_months(date(2027, 1, 31), -13) == date(2025, 12, 1)
    assert dates.months_before(date(2028, 3, 31), 1) == date(2028, 2, 29)
    assert dates.months_before(date(2027, 3, 31), 1) == date(2027, 2, 28)
    assert dates.months_after(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert dates.month_label(dates.month_index(date(2028, 2, 29))) == "2028-02"
    assert dates.month_start(date(2028, 2, 29)) == date(2028, 2, 1)


def test_utc_datetime_stores_instants_and_refuses_naive_values(app):
    stockholm_noon = datetime(2027, 3, 28, 12, tzinfo=dates.STOCKHOLM)  # 10:00 UTC, summer time
    with app.app_context():
        db.session.add(JobRun(job="x", runner="test", started_at=stockholm_noon))
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(select(JobRun.started_at))
        assert stored == datetime(2027, 3, 28, 10, tzinfo=UTC)
        assert stored.tzinfo is UTC  # on SQLite too, which keeps no zone
        found = db.session.scalar(select(JobRun.id).where(JobRun.started_at == stockholm_noon))
        assert found is not None

        db.session.add(JobRun(job="y", runner="test", started_at=datetime(2027, 3, 28, 12)))
        with pytest.raises(StatementError, match="aware datetime"):
            db.session.flush()
        db.session.rollback()
