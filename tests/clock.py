"""The tests' clock: one frozen instant per session, for the app and for processes tests start.

TEST_NOW is the real time when the session started, or AVVIKELSE_TEST_NOW (ISO 8601 with an
offset, e.g. 2028-02-29T12:00+01:00). `.ci/run` runs the suite again at a daylight-saving change
day, New Year's Eve and a leap day, so no test may depend on the date it runs.
"""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from avvikelse.services.dates import local_today, system_now

SESSION_STARTED = system_now()


def session_now() -> datetime:
    value = os.environ.get("AVVIKELSE_TEST_NOW")
    if not value:
        return SESSION_STARTED
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise pytest.UsageError(f"AVVIKELSE_TEST_NOW={value!r}: give the offset, e.g. +01:00")
    return moment.astimezone(UTC)


TEST_NOW = session_now()


class FrozenClock:
    """The app's clock in a test: stands still until the test moves it, or moves `tick` on
    at every reading when a test needs each step to get a later instant than the last."""

    def __init__(self, at: datetime):
        self.at = at
        self.tick = timedelta(0)

    def __call__(self) -> datetime:
        self.at += self.tick
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.at += delta

    @property
    def today(self):
        return local_today(self.at)


class ProcessClock:
    """The clock of a process a test starts (the demo server, a scheduler): its system clock
    plus the seconds in a file (services/dates.py, ShiftedClock). It starts at TEST_NOW and runs
    in real time; `advance` moves it on, e.g. to when a meeting has started, instead of waiting."""

    def __init__(self, path: Path):
        self.path = path
        self.shift = TEST_NOW - SESSION_STARTED
        self._write()

    def _write(self) -> None:
        self.path.write_text(str(self.shift.total_seconds()), encoding="utf-8")

    def now(self) -> datetime:
        return system_now() + self.shift

    def today(self):
        return local_today(self.now())

    def advance(self, delta: timedelta) -> None:
        self.shift += delta
        self._write()
