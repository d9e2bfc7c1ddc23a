"""The public statistics page (issue 13 point 4): anonymous, per region, only closed or
handed-over cases, small counts suppressed (primary and secondary), no free text, no numbers."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from avvikelse.extensions import db
from avvikelse.models import Deviation, DeviationState, TargetGroup
from avvikelse.services import dates
from avvikelse.services.deviations import submit_deviation

from .. import factories

SECRET = "HEMLIG-FRITEXT"


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=dates.STOCKHOLM).astimezone(UTC)


@pytest.fixture
def w(app):
    """Last year (by the clock), 21 counted cases: per quarter 3, 12, 6, 0; per main category
    14, 3 (a subcategory's 2 and the main category's 1) and 4; per pair Testby → Region 15,
    Region → Testby 5, Annanby → Region 1. Plus cases that must not count."""
    with app.app_context():
        world = factories.case_world()
        year = dates.local_today(dates.now()).year - 1
        region = world["region"]
        info = world["category"]
        medication = factories.create_category(region, "Läkemedel", 2)
        medication_list = factories.create_category(region, "Läkemedelslista", 1, medication)
        planning = factories.create_category(region, "Vårdplanering", 3)
        annan = factories.create_user(world["other"], "annan@test.example", name="Anna Annan")
        k, r, o = world["kommun"], world["regionorg"], world["other"]
        reporters = {k.id: world["staff"], r.id: world["chair"], o.id: annan}
        quarters = [1] * 3 + [2] * 12 + [3] * 6
        categories = [info] * 14 + [medication_list] * 2 + [medication] + [planning] * 4
        pairs = [(k, r)] * 15 + [(r, k)] * 5 + [(o, r)]
        cases = []

        def submit(quarter, category, source, target, state=DeviationState.CLOSED, **extra):
            day = date(year, 3 * quarter - 1, 10 + len(cases) % 15)
            now = at_noon(day)
            deviation = submit_deviation(
                factories.report(
                    [target],
                    category,
                    title=f"{SECRET} rubrik",
                    description=f"{SECRET} beskrivning",
                    occurred_on=day - timedelta(days=1),
                    discovered_on=day - timedelta(days=1),
                ),
                actor=reporters[source.id],
                now=now,
            )
            deviation.state = state
            if state is DeviationState.CLOSED:
                deviation.closing_summary = f"{SECRET} sammanfattning"
                deviation.closed_at = now + timedelta(days=30)
            elif state is DeviationState.ESCALATED:
                deviation.escalated_at = now + timedelta(days=20)
            elif state is DeviationState.NOT_COLLABORATION:
                deviation.not_collaboration_reason = f"{SECRET} skäl"
            for key, value in extra.items():
                setattr(deviation, key, value)
            cases.append(deviation)
            return deviation

        for index, (quarter, category, (source, target)) in enumerate(
            zip(quarters, categories, pairs, strict=True)
        ):
            state = DeviationState.CLOSED if index % 2 else DeviationState.ESCALATED
            submit(quarter, category, source, target, state)
        counted = list(cases)
        # Not counted: open, not a collaboration deviation, a duplicate.
        submit(4, info, k, r, DeviationState.AWAITING_ANSWERS)
        submit(4, info, k, r, DeviationState.NOT_COLLABORATION)
        submit(4, info, k, r, duplicate_of_id=counted[0].id)
        # Another region's closed case.
        other_region = factories.create_region("annanregion", "Annan region")
        stranger_org = factories.create_organization(other_region, "Främlinge kommun")
        factories.create_group(other_region, "Grupp", target_group=TargetGroup.ELDERLY)
        stranger_category = factories.create_category(other_region, "Informationsöverföring")
        reporters[stranger_org.id] = factories.create_user(stranger_org, "s@test.example")
        submit(4, stranger_category, stranger_org, stranger_org)
        db.session.commit()
        return {
            "year": year,
            "numbers": [d.number for d in cases],
            "region_key": region.key,
            "other_region_key": other_region.key,
            "quarters": [quarters.count(q) for q in (1, 2, 3, 4)],
        }


def table_cells(page: str, caption: str) -> dict[str, str]:
    """Row heading → shown count, for the table with this caption (totals as "Totalt")."""
    start = page.index(f"<caption>{caption}</caption>")
    body = page[start : page.index("</table>", start)]
    rows = re.findall(r'<th scope="row">(.*?)</th><td class="number">(.*?)</td>', body)
    return {label: re.sub(r"<[^>]+>", "", shown) for label, shown in rows}


def test_anonymous_sees_suppressed_counts(client, w):
    response = client.get(f"/oppen-statistik/{w['region_key']}?ar={w['year']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    year = w["year"]
    assert w["quarters"] == [3, 12, 6, 0]
    assert table_cells(page, f"Ärenden per kvartal {year}") == {
        "Kvartal 1": "&lt;5",
        "Kvartal 2": "12",
        "Kvartal 3": "dold",
        "Kvartal 4": "0",
        "Totalt": "21",
    }
    assert table_cells(page, f"Ärenden per kategori {year}") == {
        "Informationsöverföring": "14",
        "Vårdplanering": "&lt;5",
        "Läkemedel": "&lt;5",
        "Totalt": "21",
    }
    assert table_cells(page, f"Ärenden per par av organisationer {year}") == {
        "Testby kommun → Region Test": "15",
        "Region Test → Testby kommun": "dold",
        "Annanby kommun → Region Test": "&lt;5",
        "Totalt": "21",
    }
    assert "Så skyddas små antal" in page


def test_no_free_text_and_no_case_numbers(client, w):
    page = client.get(f"/oppen-statistik/{w['region_key']}?ar={w['year']}").get_data(as_text=True)
    assert SECRET not in page
    assert not [number for number in w["numbers"] if number in page]


def test_each_region_counts_its_own(client, w):
    page = client.get(f"/oppen-statistik/{w['other_region_key']}?ar={w['year']}").get_data(
        as_text=True
    )
    assert table_cells(page, f"Ärenden per kvartal {w['year']}")["Totalt"] == "&lt;5"
    assert client.get("/oppen-statistik/finns-inte").status_code == 404
    assert client.get("/oppen-statistik/%00").status_code == 404
    assert client.get(f"/oppen-statistik/{w['region_key']}?ar={2**70}").status_code == 200


def test_index_and_minutes_list_link_the_statistics(client, w):
    index = client.get("/oppen-statistik").get_data(as_text=True)
    assert f'href="/oppen-statistik/{w["region_key"]}"' in index
    assert 'href="/oppen-statistik"' in client.get("/protokoll").get_data(as_text=True)


def test_a_year_without_data_falls_back_to_the_latest(client, w):
    page = client.get(f"/oppen-statistik/{w['region_key']}?ar=1999").get_data(as_text=True)
    assert f"Ärenden per kvartal {w['year']}" in page


def test_figures_are_kept_ten_minutes(app, client, clock, w):
    """Anyone may ask, so a worker keeps the counts for a while; a newly closed case shows up
    once that while is over."""
    url = f"/oppen-statistik/{w['region_key']}?ar={w['year']}"
    caption = f"Ärenden per kvartal {w['year']}"
    assert table_cells(client.get(url).get_data(as_text=True), caption)["Totalt"] == "21"
    with app.app_context():
        late = db.session.scalar(
            db.select(Deviation).where(Deviation.state == DeviationState.AWAITING_ANSWERS)
        )
        late.state = DeviationState.ESCALATED
        late.escalated_at = dates.now()
        db.session.commit()
    clock.advance(timedelta(minutes=9))
    assert table_cells(client.get(url).get_data(as_text=True), caption)["Totalt"] == "21"
    clock.advance(timedelta(minutes=2))
    assert table_cells(client.get(url).get_data(as_text=True), caption)["Totalt"] == "22"
