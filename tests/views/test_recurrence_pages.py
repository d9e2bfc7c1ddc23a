"""Issue 5 pages: the reporter's hint reveals no other case's text; pages render for managers."""

import html
import re
from datetime import timedelta

import pytest

from avvikelse.extensions import db
from avvikelse.models import (
    Category,
    Deviation,
    Group,
    Organization,
    Region,
    Suggestion,
    SuggestionCase,
    SuggestionKind,
    TargetGroup,
    User,
)
from avvikelse.services import clusters, dates
from avvikelse.services.deviations import submit_deviation
from avvikelse.services.recurrence import LISTED_CASES, SUGGESTION_PAGE

from .. import factories
from .test_inbox import statements_for

SECRET_TITLE = "Hemlig rubrik om Sven på avdelning 7"
SECRET_TEXT = "Unik fritext som bara rapportören och gruppen får läsa, zebra-kod 4711."


@pytest.fixture
def world(app):
    with app.app_context():
        data = factories.case_world()
        other_reporter = factories.create_user(data["kommun"], "annan@test.example")
        now = dates.now()
        for day in (1, 2, 3):
            submit_deviation(
                factories.report(
                    [data["regionorg"]],
                    data["category"],
                    title=SECRET_TITLE,
                    description=SECRET_TEXT,
                    occurred_on=dates.local_today(now) - timedelta(days=3 + day),
                    discovered_on=dates.local_today(now) - timedelta(days=3 + day),
                ),
                actor=other_reporter,
                now=now,
            )
        db.session.commit()
        yield {name: getattr(obj, "id", obj) for name, obj in data.items()}


def test_hint_gives_counts_and_names_never_another_cases_text(client, auth, world):
    auth.login("staff@test.example")
    for fmt in ("json", "html"):
        response = client.get(
            "/aterkommande/liknande",
            query_string={
                "category_id": world["category"],
                "concerned_organization_ids": [world["regionorg"]],
                "format": fmt,
                "title": SECRET_TITLE,
            },
        )
        assert response.status_code == 200
        body = str(response.get_json()) if fmt == "json" else response.get_data(as_text=True)
        assert "Informationsöverföring" in body
        assert "Region Test" in body
        for secret in (
            SECRET_TITLE,
            "Sven",
            SECRET_TEXT,
            "zebra",
            "4711",
            "AV-20",
            "Utskrivning utan",
        ):
            assert secret not in body
    data = client.get(
        "/aterkommande/liknande",
        query_string={
            "category_id": world["category"],
            "concerned_organization_ids": world["regionorg"],
        },
    ).get_json()
    assert data["count"] == 4
    assert set(data) == {"count", "category", "organizations", "months", "message"}


def test_hint_as_html_is_a_document_with_language_and_title(client, auth, world):
    auth.login("staff@test.example")
    body = client.get(
        "/aterkommande/liknande",
        query_string={"category_id": world["category"], "format": "html"},
    ).get_data(as_text=True)
    assert '<html lang="sv">' in body
    assert "<title>Liknande tidigare avvikelser – Avvikelse i samverkan</title>" in body


def test_recurrence_pages_for_the_chair(client, auth, world):
    auth.login("chair@test.example")
    page = client.get("/aterkommande/").get_data(as_text=True)
    assert "Återkommande avvikelse" in page
    assert "Bekräfta som kluster" in page
    assert client.get("/aterkommande/trender").status_code == 200
    assert client.get("/aterkommande/trender?per=par").status_code == 200
    assert client.get("/kluster/").status_code == 200
    search = client.post("/sok/", data={"q": "zebra"}).get_data(as_text=True)
    assert "<mark>zebra</mark>" in search
    case = client.get(f"/avvikelser/{world['deviation']}").get_data(as_text=True)
    assert "Liknande tidigare avvikelser" in case
    assert "samma kategori" in case


def test_reporter_sees_no_recurrence_pages(client, auth, world):
    auth.login("staff@test.example")
    assert client.get("/aterkommande/").status_code == 404
    assert client.get("/kluster/").status_code == 404
    page = client.post("/sok/", data={"q": "zebra"}).get_data(as_text=True)
    assert "Inga ärenden som du kan se" in page
    assert SECRET_TITLE not in page


def test_thresholds_are_for_administrators(client, auth, world):
    auth.login("chair@test.example")
    assert client.get("/aterkommande/installningar").status_code == 404
    auth.logout()
    auth.login("admin@test.example")
    response = client.post(
        "/aterkommande/installningar",
        data={"recurrence_min_count": 4, "recurrence_months": 6, "general_min_municipalities": 2},
    )
    assert response.status_code == 302


def test_the_group_answers_the_four_questions_for_a_cluster(app, client, auth, world):
    with app.app_context():
        chair = db.session.get(User, world["chair"])
        cluster = clusters.create_cluster(
            db.session.get(Group, world["group"]),
            name="Utskrivningar utan besked",
            description=None,
            deviations=[db.session.get(Deviation, world["deviation"])],
            reason="Samma brist",
            actor=chair,
            now=dates.now(),
        )
        db.session.commit()
        url = f"/kluster/{cluster.id}/fyra-fragor"
    auth.login("chair@test.example")
    empty = client.post(url, data={"version": "0"})
    assert empty.status_code == 422
    assert "Besvara minst en av de fyra frågorna." in empty.get_data(as_text=True)
    typed = client.post(
        url, data={"current_state": "Meddelandet 19121212-1212 saknas.", "version": "0"}
    )
    assert typed.status_code == 422
    assert "Meddelandet 19121212-1212 saknas." in typed.get_data(as_text=True)
    saved = client.post(
        url, data={"current_state": "Inskrivningsmeddelandet kommer sent.", "version": "0"}
    )
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Inskrivningsmeddelandet kommer sent." in page
    auth.logout()
    auth.login("member@test.example")
    assert client.post(url, data={"current_state": "x"}).status_code == 403
    auth.logout()
    auth.login("staff@test.example")
    assert client.post(url, data={"current_state": "x"}).status_code == 404


def add_suggestion(world, key: str, *, seen: int, hidden: int) -> int:
    """A suggestion for the chair's group of `seen` cases routed to it and `hidden` routed to
    another group, which the chair does not see."""
    region = db.session.get(Region, world["region"])
    if not db.session.scalar(db.select(Group).where(Group.target_group == TargetGroup.ADULTS)):
        factories.create_group(region, "Samverkansgrupp Vuxna", target_group=TargetGroup.ADULTS)
    reporter = db.session.get(User, world["staff"])
    category = db.session.get(Category, world["category"])
    regionorg = db.session.get(Organization, world["regionorg"])
    now = dates.now()
    cases = [
        submit_deviation(
            factories.report(
                [regionorg],
                category,
                title=f"Fall {key} {n}",
                target_group=TargetGroup.ELDERLY if n < seen else TargetGroup.ADULTS,
            ),
            actor=reporter,
            now=now,
        )
        for n in range(seen + hidden)
    ]
    suggestion = Suggestion(
        region_id=region.id,
        group_id=world["group"],
        kind=SuggestionKind.GENERAL_MARKED,
        key=key,
        reason={"group": "Samverkansgrupp Äldre", "note": key},
        created_at=now,
        updated_at=now,
        cases=[SuggestionCase(deviation_id=d.id) for d in cases],
    )
    db.session.add(suggestion)
    db.session.commit()
    return suggestion.id


def suggestion_item(page: str, suggestion_id: int) -> str:
    """The suggestion's reason, cases and hints, up to its forms."""
    start = page.index(f'id="forslag-{suggestion_id}"')
    return page[start : page.index('class="suggestion-actions"', start)]


def test_the_suggestion_page_costs_the_same_statements_for_many_suggestions_and_cases(
    app, client, auth, world
):
    """A sweep over years grows suggestions to hundreds of cases: the page reads them in a
    fixed number of statements and lists only the latest ones the user may see."""
    with app.app_context():
        small = add_suggestion(world, "few", seen=2, hidden=1)
    auth.login("chair@test.example")
    page = client.get("/aterkommande/").get_data(as_text=True)
    few = statements_for(client, "/aterkommande/")
    item = suggestion_item(page, small)
    assert item.count("Fall few") == 2
    assert "1 ärenden hör till andra grupper och visas inte för dig." in item

    with app.app_context():
        large = [
            add_suggestion(world, f"many{n}", seen=LISTED_CASES + 2, hidden=3) for n in range(3)
        ]
    page = client.get("/aterkommande/").get_data(as_text=True)
    assert len(statements_for(client, "/aterkommande/")) == len(few)
    item = suggestion_item(page, large[0])
    assert item.count("Fall many0") == LISTED_CASES
    assert f"Fall many0 {LISTED_CASES + 1}" in item  # the latest first
    assert "Fall many0 0<" not in item
    assert f"Förslaget gäller {LISTED_CASES + 5} ärenden." in item
    assert "hör till andra grupper" not in item


def test_suggestions_come_a_page_at_a_time_and_a_refused_step_returns_to_its_page(
    app, client, auth, world
):
    with app.app_context():
        ids = [add_suggestion(world, f"s{n}", seen=1, hidden=0) for n in range(SUGGESTION_PAGE + 3)]
    auth.login("chair@test.example")
    first = client.get("/aterkommande/").get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'id="forslag-(\d+)"', first)]
    # The latest changed first; made in the same instant, the latest made first.
    assert shown == ids[::-1][:SUGGESTION_PAGE]
    link = re.search(r'href="(/aterkommande/\?fore=[^"]+)">Fler förslag', first)
    second = client.get(html.unescape(link[1])).get_data(as_text=True)
    rest = [int(i) for i in re.findall(r'id="forslag-(\d+)"', second)]
    # Neither skipped nor repeated (the world's own cases made one suggestion before these).
    assert len(set(shown + rest)) == len(shown + rest)
    assert [i for i in shown + rest if i in ids] == ids[::-1]
    assert "Fler förslag" not in second
    assert "← De senaste" in second

    # Dismissing without a reason on the second page shows the second page again, the reason
    # under the suggestion's field.
    action = re.search(rf'action="([^"]*/forslag/{rest[0]}/avfarda[^"]*)"', second)[1]
    refused = client.post(html.unescape(action), data={"note": "  "})
    assert refused.status_code == 422
    again = refused.get_data(as_text=True)
    assert f'id="forslag-{rest[0]}"' in again
    assert "Skriv varför förslaget avfärdas." in again


def test_a_damaged_page_link_starts_from_the_latest_suggestions(app, client, auth, world):
    with app.app_context():
        add_suggestion(world, "one", seen=1, hidden=0)
    auth.login("chair@test.example")
    page = client.get("/aterkommande/?fore=inte-en-sida").get_data(as_text=True)
    assert "Fall one 0" in page
