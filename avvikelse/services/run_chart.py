"""Run charts (seriediagram) and the standard run-chart rules, as used in Swedish improvement work.

The median is the centre line. A *shift* is 6 or more consecutive points on the same side of the
median; points exactly on the median neither break nor count. A *trend* is 5 or more points in a
row each rising (or each falling); a repeated value neither breaks nor counts. With fewer than
10 points the rules are not applied: too few points say nothing about a change.

When the change date leaves at least 6 points before it, the median is the baseline's (the
points before the change), extended over the whole chart, so that points after the change are
judged against how things were. Nothing here touches the database.
"""

import enum
import math
import statistics
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_decimal, format_scientific
from flask_babel import gettext as _

MIN_POINTS = 10
SHIFT_POINTS = 6
TREND_POINTS = 5
MIN_BASELINE = 6
MAX_TICKS = 8
# The largest value (either sign) a measurement, baseline or target may have. Indicators here
# count deviations, days, minutes or per cent in one region's care transitions: a billion is
# far above any of them, so a larger value is a typing slip (or an attempt to break the chart),
# and every allowed value still prints as a readable label with its two decimals exact.
MAX_VALUE = 1e9


@dataclass(frozen=True)
class Point:
    period: date
    value: float


class SignalKind(enum.StrEnum):
    SHIFT = "shift"
    TREND = "trend"


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    indexes: tuple[int, ...]
    # shift: -1 below the median, +1 above; trend: -1 falling, +1 rising
    sign: int

    @property
    def length(self) -> int:
        return len(self.indexes)


class Verdict(enum.StrEnum):
    NOT_ENOUGH = "not_enough"
    NO_SIGNAL = "no_signal"
    IMPROVEMENT = "improvement"
    DETERIORATION = "deterioration"
    MIXED = "mixed"


def find_shifts(values: list[float], median: float) -> list[Signal]:
    """Runs of ≥6 points on one side of the median; points on the median are skipped."""
    signals, run, side = [], [], 0
    for index, value in enumerate(values):
        if value == median:
            continue
        current = 1 if value > median else -1
        if current != side:
            if len(run) >= SHIFT_POINTS:
                signals.append(Signal(SignalKind.SHIFT, tuple(run), side))
            run, side = [], current
        run.append(index)
    if len(run) >= SHIFT_POINTS:
        signals.append(Signal(SignalKind.SHIFT, tuple(run), side))
    return signals


def find_trends(values: list[float]) -> list[Signal]:
    """Runs of ≥5 points each higher (or each lower) than the one before; repeats are skipped."""
    kept = [i for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
    signals, run, direction = [], kept[:1], 0
    for previous, index in zip(kept, kept[1:], strict=False):
        step = 1 if values[index] > values[previous] else -1
        if step != direction:
            if len(run) >= TREND_POINTS:
                signals.append(Signal(SignalKind.TREND, tuple(run), direction))
            run, direction = [previous], step
        run.append(index)
    if len(run) >= TREND_POINTS:
        signals.append(Signal(SignalKind.TREND, tuple(run), direction))
    return signals


@dataclass
class RunChart:
    points: list[Point]
    lower_is_better: bool
    change_on: date | None = None
    median: float | None = None
    baseline_median: bool = False
    signals: list[Signal] = field(default_factory=list)
    deciding: list[Signal] = field(default_factory=list)
    verdict: Verdict = Verdict.NOT_ENOUGH

    @property
    def change_index(self) -> int | None:
        """The first point at or after the change date."""
        if self.change_on is None:
            return None
        return next((i for i, p in enumerate(self.points) if p.period >= self.change_on), None)

    def improves(self, signal: Signal) -> bool:
        return (signal.sign < 0) == self.lower_is_better

    def signal_at(self, index: int) -> Signal | None:
        return next((s for s in self.signals if index in s.indexes), None)

    def side(self, index: int) -> int:
        if self.median is None:
            return 0
        value = self.points[index].value
        return 0 if value == self.median else (1 if value > self.median else -1)


def analyse(points: list[Point], *, lower_is_better: bool, change_on: date | None = None):
    """Apply the rules. The verdict follows the most recent signal that reaches past the change
    date (any signal when there is none): a step change shows as a shift on each side of the
    median, and the later one tells where the process is now."""
    points = sorted(points, key=lambda p: p.period)
    chart = RunChart(points, lower_is_better, change_on)
    if not points:
        return chart
    values = [p.value for p in points]
    change = chart.change_index
    if change is not None and change >= MIN_BASELINE:
        chart.median, chart.baseline_median = statistics.median(values[:change]), True
    else:
        chart.median = statistics.median(values)
    if len(points) < MIN_POINTS:
        return chart
    chart.signals = find_shifts(values, chart.median) + find_trends(values)
    relevant = [
        s
        for s in chart.signals
        if change_on is None or (change is not None and s.indexes[-1] >= change)
    ]
    if relevant:
        latest = max(s.indexes[-1] for s in relevant)
        chart.deciding = [s for s in relevant if s.indexes[-1] == latest]
    good = any(chart.improves(s) for s in chart.deciding)
    bad = any(not chart.improves(s) for s in chart.deciding)
    chart.verdict = (
        Verdict.MIXED
        if good and bad
        else Verdict.IMPROVEMENT
        if good
        else Verdict.DETERIORATION
        if bad
        else Verdict.NO_SIGNAL
    )
    return chart


# Above this, decimal formatting runs out of precision: values stored before MAX_VALUE was
# enforced are shown in powers of ten rather than breaking the page.
SCIENTIFIC_FROM = 1e15


def _decimal(value: float, decimals: int, pattern: str) -> str:
    if abs(value) >= SCIENTIFIC_FROM:
        return format_scientific(value, format="0.##E0")
    return format_decimal(round(value, decimals), format=pattern)


def number(value: float | None) -> str:
    if value is None:
        return "–"
    return _decimal(value, 2, "#,##0.##")


def describe_signal(chart: RunChart, signal: Signal) -> str:
    if signal.kind is SignalKind.SHIFT:
        if signal.sign < 0:
            return _(
                "%(count)d mätpunkter i rad under medianen (%(median)s) – ett skift",
                count=signal.length,
                median=number(chart.median),
            )
        return _(
            "%(count)d mätpunkter i rad över medianen (%(median)s) – ett skift",
            count=signal.length,
            median=number(chart.median),
        )
    if signal.sign < 0:
        return _("%(count)d mätpunkter i rad som sjunker – en trend", count=signal.length)
    return _("%(count)d mätpunkter i rad som stiger – en trend", count=signal.length)


def sentence(chart: RunChart) -> str:
    """What the chart says, in words: the page shows it and the SVG carries it as its desc."""
    if chart.verdict is Verdict.NOT_ENOUGH:
        return _(
            "För få mätpunkter för att bedöma förändringen: %(count)d av minst %(min)d. "
            "Fortsätt mäta.",
            count=len(chart.points),
            min=MIN_POINTS,
        )
    if chart.verdict is Verdict.NO_SIGNAL:
        return _(
            "Ingen verklig förändring syns ännu: variationen ryms inom den vanliga "
            "(inget skift på %(shift)d punkter och ingen trend på %(trend)d punkter).",
            shift=SHIFT_POINTS,
            trend=TREND_POINTS,
        )
    good = "; ".join(describe_signal(chart, s) for s in chart.deciding if chart.improves(s))
    bad = "; ".join(describe_signal(chart, s) for s in chart.deciding if not chart.improves(s))
    if chart.verdict is Verdict.IMPROVEMENT:
        return _("Förbättringen är verklig: %(signals)s, åt rätt håll.", signals=good)
    if chart.verdict is Verdict.DETERIORATION:
        return _("Varning – en verklig försämring: %(signals)s, åt fel håll.", signals=bad)
    return _(
        "Signaler åt båda hållen: %(good)s (åt rätt håll) och %(bad)s (åt fel håll). "
        "Titta närmare på vad som har hänt.",
        good=good,
        bad=bad,
    )


# --- Geometry for the server-side SVG -------------------------------------------------------


@dataclass
class Dot:
    x: float
    y: float
    point: Point
    in_signal: bool


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Geometry:
    width: int
    height: int
    left: int
    bottom: float
    dots: list[Dot]
    path: str
    median_y: float | None
    target_y: float | None
    change_x: float | None
    ticks: list[Tick]
    first_label: str
    last_label: str


def nice_ticks(low: float, high: float, max_count: int = MAX_TICKS) -> list[float]:
    """Axis values at a step of 1, 2 or 5 times a power of ten, covering low…high in at most
    `max_count` ticks: labels people read at a glance, and a bounded number of them however
    large the values are."""
    span = high - low
    if not 0 < span < math.inf:  # a single value, or a range beyond what a float can hold
        return [low, high] if high > low else [low]
    magnitude = 10 ** math.floor(math.log10(span / (max_count - 1)))
    for multiple in (1, 2, 5, 10, 20, 50, 100):
        step = multiple * magnitude
        first, last = math.floor(low / step), math.ceil(high / step)
        if last - first + 1 <= max_count:
            break
    return [(first + k) * step for k in range(last - first + 1)]


def tick_label(value: float, step: float) -> str:
    """As many decimals as the step needs, so that neighbouring ticks never read the same."""
    decimals = max(0, -math.floor(math.log10(step))) if 0 < step < math.inf else 0
    return _decimal(value, decimals, "#,##0." + "0" * decimals if decimals else "#,##0")


def geometry(chart: RunChart, *, target: float | None = None, width=640, height=240) -> Geometry:
    """Scaled coordinates: the template draws them, it computes nothing. The value axis starts
    at zero (or below it) and ends on a tick."""
    left, right, top, bottom = 56, 16, 16, height - 36
    values = [p.value for p in chart.points]
    extra = [v for v in (target, chart.median) if v is not None]
    values_at = nice_ticks(min([0.0, *values, *extra]), max([1.0, *values, *extra]))
    low, high = values_at[0], values_at[-1]
    span = high - low if high > low else 1.0

    def y_of(value: float) -> float:
        return round(bottom - (value - low) / span * (bottom - top), 1)

    count = len(values)
    x_step = (width - left - right) / max(count - 1, 1)
    dots = [
        Dot(
            round(left + i * x_step, 1),
            y_of(p.value),
            p,
            chart.signal_at(i) is not None,
        )
        for i, p in enumerate(chart.points)
    ]
    change = chart.change_index
    change_x = None
    if change is not None and change > 0:
        change_x = round(left + (change - 0.5) * x_step, 1)
    y_step = values_at[1] - values_at[0] if len(values_at) > 1 else 0.0
    ticks = [Tick(y_of(value), tick_label(value, y_step)) for value in values_at]
    return Geometry(
        width=width,
        height=height,
        left=left,
        bottom=bottom,
        dots=dots,
        path=" ".join(f"{'M' if i == 0 else 'L'}{d.x},{d.y}" for i, d in enumerate(dots)),
        median_y=y_of(chart.median) if chart.median is not None else None,
        target_y=y_of(target) if target is not None else None,
        change_x=change_x,
        ticks=ticks,
        first_label=chart.points[0].period.strftime("%Y-%m") if chart.points else "",
        last_label=chart.points[-1].period.strftime("%Y-%m") if chart.points else "",
    )
