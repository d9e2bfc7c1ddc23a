"""Trend charts (DESIGN §5): monthly counts on a c-chart, drawn as accessible SVG on the server.

A c-chart fits counts of events per equal period: centre line c̄ (the mean count), upper
control limit c̄ + 3√c̄, lower max(0, c̄ − 3√c̄). A special cause is a point above the upper
limit, or 8 points in a row above the mean (the usual run rule); either at the end of the series
makes a "rising trend" suggestion. Counts come from recurrence_keys' (region, month, key) index,
so a chart reads one region's last 24 months, not the table.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from ..db import db
from ..models import Category, Organization, RecurrenceKey, Region, Suggestion, SuggestionKind
from .dates import local_today, month_index, month_label
from .recurrence import latest_group, suggest

MONTHS = 24
RUN = 8
TOP = 8


@dataclass
class Chart:
    key: str
    subject: str
    months: list[int]
    counts: list[int]
    mean: float = 0.0
    ucl: float = 0.0
    lcl: float = 0.0
    signal: str | None = None
    signal_months: list[int] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[str, int, bool]]:
        return [
            (month_label(m), c, m in self.signal_months)
            for m, c in zip(self.months, self.counts, strict=True)
        ]

    def svg(self) -> Markup:
        return render_svg(self)


def c_chart(counts: list[int]) -> tuple[float, float, float]:
    mean = sum(counts) / len(counts) if counts else 0.0
    spread = 3 * math.sqrt(mean)
    return mean, mean + spread, max(0.0, mean - spread)


def special_cause(chart: Chart) -> None:
    """Set the signal for the end of the series: above UCL, or RUN months above the mean."""
    if not chart.counts or chart.mean == 0:
        return
    last = chart.counts[-1]
    if last > chart.ucl:
        chart.signal = _("senaste månaden (%(n)d) över övre styrgränsen", n=last)
        chart.signal_months = [chart.months[-1]]
        return
    tail = chart.counts[-RUN:]
    if len(tail) == RUN and all(c > chart.mean for c in tail):
        chart.signal = _("%(n)d månader i rad över medelvärdet", n=RUN)
        chart.signal_months = chart.months[-RUN:]


def _subject_names(region_id: int, keys) -> dict[str, str]:
    categories, organizations = set(), set()
    for key in keys:
        parts = key.split(":")
        if parts[0] == "c":
            categories.add(int(parts[1]))
        elif parts[0] == "o":
            organizations.update((int(parts[1]), int(parts[2])))
    category_names = dict(
        db.session.execute(
            select(Category.id, Category.name).where(Category.id.in_(categories))
        ).all()
    )
    organization_names = dict(
        db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(organizations))
        ).all()
    )
    names = {}
    for key in keys:
        parts = key.split(":")
        if parts[0] == "c":
            names[key] = category_names.get(int(parts[1]), key)
        else:
            names[key] = _(
                "%(a)s och %(b)s",
                a=organization_names.get(int(parts[1]), "?"),
                b=organization_names.get(int(parts[2]), "?"),
            )
    return names


def region_charts(
    region: Region, *, now: datetime, kind: str = "c", top: int | None = TOP
) -> list[Chart]:
    """Charts for the region's categories (kind "c") or organization pairs ("o") over the last
    24 complete months, the busiest `top` first (None: every key, for the sweep)."""
    last = month_index(local_today(now)) - 1
    first = last - MONTHS + 1
    rows = db.session.execute(
        select(RecurrenceKey.key, RecurrenceKey.month, func.count())
        .where(
            RecurrenceKey.region_id == region.id,
            RecurrenceKey.month >= first,
            RecurrenceKey.month <= last,
            RecurrenceKey.key.like(f"{kind}:%"),
        )
        .group_by(RecurrenceKey.key, RecurrenceKey.month)
    ).all()
    series: dict[str, dict[int, int]] = {}
    for key, month, count in rows:
        series.setdefault(key, {})[month] = count
    keys = sorted(series, key=lambda k: (-sum(series[k].values()), k))
    if top is not None:
        keys = keys[:top]
    names = _subject_names(region.id, keys)
    months = list(range(first, last + 1))
    charts = []
    for key in keys:
        counts = [series[key].get(m, 0) for m in months]
        chart = Chart(key=key, subject=names[key], months=months, counts=counts)
        chart.mean, chart.ucl, chart.lcl = c_chart(counts)
        special_cause(chart)
        charts.append(chart)
    return charts


def detect_rising_trends(region: Region, *, now: datetime) -> list[Suggestion]:
    """Every category and pair whose chart ends in a special cause becomes a suggestion, with
    the cases of the signalling months."""
    made = []
    for kind in ("c", "o"):
        for chart in region_charts(region, now=now, kind=kind, top=None):
            if not chart.signal:
                continue
            case_ids = list(
                db.session.scalars(
                    select(RecurrenceKey.deviation_id)
                    .where(
                        RecurrenceKey.region_id == region.id,
                        RecurrenceKey.key == chart.key,
                        RecurrenceKey.month.in_(chart.signal_months),
                    )
                    .limit(500)
                )
            )
            if not case_ids:
                continue
            suggestion = suggest(
                region_id=region.id,
                group_id=latest_group(case_ids),
                kind=SuggestionKind.RISING_TREND,
                key=f"t:{chart.key}",
                case_ids=case_ids,
                reason={
                    "subject": chart.subject,
                    "signal": chart.signal,
                    "mean": round(chart.mean, 2),
                    "ucl": round(chart.ucl, 2),
                    "count": len(case_ids),
                },
                now=now,
            )
            if suggestion is not None:
                made.append(suggestion)
    return made


# --- SVG -------------------------------------------------------------------------------------

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP_PAD, BOTTOM = 44, 16, 16, 40


def render_svg(chart: Chart) -> Markup:
    """An inline SVG with a title and description for screen readers; the table next to it
    carries the same numbers, so nothing depends on seeing the picture."""
    high = max([*chart.counts, chart.ucl, 1.0])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP_PAD - BOTTOM
    step = plot_w / max(len(chart.counts) - 1, 1)

    def x(i):
        return LEFT + i * step

    def y(value):
        return TOP_PAD + plot_h - (value / high) * plot_h

    ident = f"chart-{chart.key.replace(':', '-')}"
    title = escape(_("Avvikelser per månad: %(subject)s", subject=chart.subject))
    description = escape(
        _(
            "Styrdiagram (c-diagram) över %(n)d månader. Medelvärde %(mean).1f, övre "
            "styrgräns %(ucl).1f, nedre styrgräns %(lcl).1f. %(signal)s",
            n=len(chart.counts),
            mean=chart.mean,
            ucl=chart.ucl,
            lcl=chart.lcl,
            signal=(_("Signal: %(s)s.", s=chart.signal) if chart.signal else _("Ingen signal.")),
        )
    )
    points = " ".join(f"{x(i):.1f},{y(c):.1f}" for i, c in enumerate(chart.counts))
    parts = [
        f'<svg class="trend-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-title">{title}</title>',
        f'<desc id="{ident}-desc">{description}</desc>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP_PAD + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP_PAD + plot_h}"/>',
    ]
    for name, value, label in (
        ("ucl", chart.ucl, _("ÖSG")),
        ("mean", chart.mean, _("Medel")),
        ("lcl", chart.lcl, _("NSG")),
    ):
        parts.append(
            f'<line class="limit {name}" x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" '
            f'y2="{y(value):.1f}"/><text class="limit-label" x="{LEFT - 4}" '
            f'y="{y(value) + 4:.1f}" text-anchor="end">{escape(label)}</text>'
        )
    parts.append(f'<polyline class="series" points="{points}"/>')
    for i, (month, count) in enumerate(zip(chart.months, chart.counts, strict=True)):
        css = "point signal" if month in chart.signal_months else "point"
        parts.append(f'<circle class="{css}" cx="{x(i):.1f}" cy="{y(count):.1f}" r="3.5"/>')
        if i % 3 == 0 or i == len(chart.counts) - 1:
            parts.append(
                f'<text class="month" x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
                f"{month_label(month)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part above is escaped
