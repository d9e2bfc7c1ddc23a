"""The run-chart rules: shift (≥6 on one side of the median, points on it skipped), trend (≥5
rising or falling, repeats skipped), and too few points (fewer than 10: no verdict)."""

import math
from datetime import date

import pytest

from avvikelse.services import run_chart as rc


def months(values, start=(2026, 1)):
    year, month = start
    points = []
    for value in values:
        points.append(rc.Point(date(year, month, 1), float(value)))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return points


def test_shift_of_six_below_the_median():
    signals = rc.find_shifts([5, 6, 4, 3, 3, 2, 3, 2], median=4.5)
    assert [(s.kind, s.sign, s.length) for s in signals] == [("shift", -1, 6)]


def test_five_on_one_side_is_no_shift():
    assert rc.find_shifts([5, 3, 3, 3, 3, 3, 6], median=4) == []


def test_points_on_the_median_neither_break_nor_count():
    # 5 below, one on the median, 1 below: 6 counting points, the one on the median skipped.
    signals = rc.find_shifts([3, 3, 3, 3, 3, 4, 3], median=4)
    assert len(signals) == 1
    assert signals[0].length == 6
    assert 5 not in signals[0].indexes
    # ... and 5 below plus one on the median is still not a shift.
    assert rc.find_shifts([3, 3, 3, 3, 3, 4], median=4) == []


def test_trend_of_five_rising_and_falling():
    assert [(s.sign, s.length) for s in rc.find_trends([1, 2, 3, 4, 5])] == [(1, 5)]
    assert [(s.sign, s.length) for s in rc.find_trends([9, 7, 6, 4, 2, 8])] == [(-1, 5)]


def test_four_rising_is_no_trend_and_repeats_do_not_count():
    assert rc.find_trends([1, 2, 3, 4, 1]) == []
    # 1 2 2 3 4: the repeated 2 neither breaks nor counts, so only 4 distinct steps.
    assert rc.find_trends([1, 2, 2, 3, 4]) == []
    signals = rc.find_trends([1, 2, 2, 3, 4, 5])
    assert len(signals) == 1
    assert signals[0].length == 5


@pytest.mark.usefixtures("app_context")
def test_not_enough_data_gives_no_verdict():
    chart = rc.analyse(months([9, 9, 8, 3, 2, 1, 1, 1, 1]), lower_is_better=True)
    assert chart.verdict is rc.Verdict.NOT_ENOUGH
    assert chart.signals == []
    assert "För få mätpunkter" in rc.sentence(chart)
    assert "9 av minst 10" in rc.sentence(chart)


@pytest.mark.usefixtures("app_context")
def test_shift_after_the_change_is_a_real_improvement():
    values = [12, 10, 13, 11, 12, 13, 6, 5, 7, 6, 5, 6]
    chart = rc.analyse(months(values), lower_is_better=True, change_on=date(2026, 7, 1))
    assert chart.baseline_median  # six points before the change
    assert chart.median == 12
    assert chart.change_index == 6
    assert chart.verdict is rc.Verdict.IMPROVEMENT
    assert rc.sentence(chart).startswith("Förbättringen är verklig")
    assert "6 mätpunkter i rad under medianen" in rc.sentence(chart)


@pytest.mark.usefixtures("app_context")
def test_the_same_shift_is_a_deterioration_when_higher_is_better():
    values = [12, 10, 13, 11, 12, 13, 6, 5, 7, 6, 5, 6]
    chart = rc.analyse(months(values), lower_is_better=False, change_on=date(2026, 7, 1))
    assert chart.verdict is rc.Verdict.DETERIORATION
    assert "försämring" in rc.sentence(chart)


@pytest.mark.usefixtures("app_context")
def test_common_cause_variation_is_no_signal():
    values = [5, 7, 4, 6, 5, 8, 4, 6, 7, 5, 6, 4]
    chart = rc.analyse(months(values), lower_is_better=True)
    assert chart.verdict is rc.Verdict.NO_SIGNAL
    assert "Ingen verklig förändring" in rc.sentence(chart)


@pytest.mark.usefixtures("app_context")
def test_signals_before_the_change_do_not_count_for_it():
    values = [1, 2, 3, 4, 5, 6, 5, 6, 5, 6, 5, 6]  # a rising trend, then stable
    chart = rc.analyse(months(values), lower_is_better=True, change_on=date(2026, 10, 1))
    assert any(s.kind is rc.SignalKind.TREND for s in chart.signals)
    assert chart.verdict is rc.Verdict.NO_SIGNAL


@pytest.mark.usefixtures("app_context")
def test_geometry_marks_median_change_and_signal_points():
    values = [12, 10, 13, 11, 12, 13, 6, 5, 7, 6, 5, 6]
    chart = rc.analyse(months(values), lower_is_better=True, change_on=date(2026, 7, 1))
    g = rc.geometry(chart, target=5)
    assert len(g.dots) == 12
    assert g.median_y is not None
    assert g.target_y is not None
    assert g.dots[5].x < g.change_x < g.dots[6].x
    assert [d.in_signal for d in g.dots[6:]] == [True] * 6
    assert g.path.startswith("M")


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.mark.usefixtures("app_context")
def test_a_step_without_change_date_is_judged_by_the_latest_shift():
    # Six high then six low: a shift on each side of the median; the later one says where we are.
    values = [12, 10, 13, 11, 12, 13, 6, 5, 7, 6, 5, 6]
    chart = rc.analyse(months(values), lower_is_better=True)
    assert len([s for s in chart.signals if s.kind is rc.SignalKind.SHIFT]) == 2
    assert chart.verdict is rc.Verdict.IMPROVEMENT
    assert "under medianen" in rc.sentence(chart)
    assert "över medianen" not in rc.sentence(chart)


# --- The value axis -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, 13, [0, 2, 4, 6, 8, 10, 12, 14]),
        (0, 20, [0, 5, 10, 15, 20]),
        (0, 100, [0, 20, 40, 60, 80, 100]),
        (0, 730, [0, 200, 400, 600, 800]),
        (-3, 7, [-4, -2, 0, 2, 4, 6, 8]),
    ],
)
def test_nice_ticks_for_typical_ranges(low, high, expected):
    ticks = rc.nice_ticks(low, high)
    assert ticks == pytest.approx(expected)
    assert len(ticks) <= rc.MAX_TICKS
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in (1, 2, 5)


@pytest.mark.usefixtures("app_context")
def test_a_typical_chart_gets_several_labelled_ticks():
    """Before: the ticks were stepped by the x pixel distance, and 0–20 got a lone "0"."""
    values = [12, 10, 13, 11, 12, 13, 6, 5, 7, 6, 5, 6]
    g = rc.geometry(rc.analyse(months(values), lower_is_better=True), target=5)
    assert [t.label for t in g.ticks] == ["0", "2", "4", "6", "8", "10", "12", "14"]
    assert g.ticks[0].y == g.bottom  # zero at the bottom, the highest tick at the top
    assert g.ticks[-1].y < g.ticks[0].y
    small = rc.geometry(rc.analyse(months([0.1, 0.3, 0.2]), lower_is_better=True))
    assert [t.label for t in small.ticks] == ["0,0", "0,2", "0,4", "0,6", "0,8", "1,0"]


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize("huge", [[1e26], [-1e26], [1e300], [-1e308], [-1e308, 1e308]])
def test_a_huge_value_gives_a_bounded_number_of_ticks(huge):
    """Before: one measurement of 1e26 made 10^24 ticks (the effort page hung)."""
    values = [3.0] * (12 - len(huge)) + huge
    g = rc.geometry(rc.analyse(months(values), lower_is_better=True))
    assert 1 <= len(g.ticks) <= rc.MAX_TICKS
    assert len(g.dots) == 12
