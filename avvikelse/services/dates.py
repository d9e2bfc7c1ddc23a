"""One clock, and the calendar the domain rules count in.

"Now" is an aware UTC instant read from the app's clock, never from the system directly, so a
test freezes the whole app at once instead of patching module after module. Domain rules
(deadlines, recurrence windows, trend months, numbering years) count Stockholm calendar dates:
a report at 00:30 on 1 January belongs to the new year and the new month.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CLOCK_KEY = "avvikelse.clock"


def system_now() -> datetime:
    return datetime.now(UTC)


class ShiftedClock:
    """The system clock moved by the number of seconds in a file, read at every call.

    This is how a test runs another process (the demo server, two schedulers) on the date its
    own clock is frozen at, and moves that process forward instead of waiting for a meeting to
    start. Allowed only in the test and demo environments (config.finish).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __call__(self) -> datetime:
        try:
            shift = float(self.path.read_text(encoding="utf-8").strip() or 0)
        except FileNotFoundError:
            shift = 0.0
        return system_now() + timedelta(seconds=shift)


def install_clock(app: Flask, clock: Callable[[], datetime] | None = None) -> None:
    """Give the app its clock: the system's, shifted when CLOCK_SHIFT_FILE is configured."""
    if clock is None:
        path = app.config.get("CLOCK_SHIFT_FILE")
        clock = ShiftedClock(path) if path else system_now
    app.extensions[CLOCK_KEY] = clock


def now() -> datetime:
    """The app's "now" (aware, UTC); the system clock outside an app (e.g. a bare script)."""
    if has_app_context():
        return current_app.extensions.get(CLOCK_KEY, system_now)()
    return system_now()


def as_utc(moment: datetime) -> datetime:
    """An instant from input (a cursor, a form): naive values are taken as UTC."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def local_today(moment: datetime) -> date:
    """The Stockholm calendar date of an instant: the date every domain rule counts in."""
    return moment.astimezone(STOCKHOLM).date()


def local_midnight(day: date) -> datetime:
    """The UTC instant a Stockholm calendar day begins (23:00 or 22:00 UTC the day before)."""
    return datetime.combine(day, datetime.min.time(), STOCKHOLM).astimezone(UTC)


# --- Month arithmetic -------------------------------------------------------------------------


def month_index(day: date) -> int:
    """Months since year 0, so that month differences are subtraction."""
    return day.year * 12 + day.month - 1


def month_label(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year}-{month + 1:02d}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = month_index(day) + months
    return date(index // 12, index % 12 + 1, 1)


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (clamped to the month's length), a window's start."""
    index = month_index(day) - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def months_after(day: date, months: int) -> date:
    return months_before(day, -months)
