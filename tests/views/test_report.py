"""The reporter's side: the report form, drafts, the receipt and Mina rapporter (DESIGN §3)."""

import re
import uuid

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from avvikelse.extensions import db
from avvikelse.models import (
    AuditEntry,
    Category,
    Deviation,
    DeviationDraft,
    DeviationState,
    Organization,
    User,
)
from avvikelse.services import deviations as workflow
from avvikelse.services import reporting
from avvikelse.services.dates import local_today

from .. import factories
from ..clock import TEST_NOW


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.case_world()
        outsider = factories.create_user(world["other"], "outsider@test.example")
        db.session.commit()
        ids = {name: obj.id for name, obj in world.items()}
        ids["outsider"] = outsider.id
    return ids


def today() -> str:
    return local_today(TEST_NOW).isoformat()


def report_data(w, **overrides) -> dict:
    data = {
        "submission_token": uuid.uuid4().hex,
        "title": "Utskriven utan besked till hemtjänsten",
        "description": "Hemtjänsten fick inget inskrivningsmeddelande före hemgång.",
        "occurred_on": today(),
        "occurred_at_time": "14:30",
        "discovered_on": today(),
        "concerned_organization_ids": [str(w["regionorg"])],
        "target_group": "elderly",
        "category_id": str(w["category"]),
        "process_id": "",
        "agreement": "Riktlinje för utskrivning",
        "immediate_action": "Ringde avdelningen.",
        "proposal": "",
        "probability": "3",
        "consequence": "2",
        "unit_id": str(w["unit"]),
        "wants_feedback": "y",
    }
    data.update(overrides)
    return data


def deviations_with_token(app, token) -> list[Deviation]:
    with app.app_context():
        return db.session.scalars(
            select(Deviation).where(Deviation.submission_token == token)
        ).all()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_navigation_offers_reporting(client, w, auth):
    auth.login("staff@test.example")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<li><a href="/rapportera"\s*>Rapportera</a></li>', page)
    assert re.search(r'<li><a href="/mina-rapporter"\s*>Mina rapporter</a></li>', page)
    assert "Rapportera avvikelse</a>" in page


def test_form_is_prefilled_from_the_account(client, w, auth):
    auth.login("staff@test.example")
    response = client.get("/rapportera")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'name="submission_token" type="hidden" value="[0-9a-f]{32}"', page)
    assert "Stina Personal, Testby kommun" in page
    assert f'<option selected value="{w["unit"]}">Hemtjänst</option>' in page
    assert "Ingen särskild enhet" not in page  # the service would fall back to Hemtjänst anyway
    assert f'name="occurred_on" required type="date" value="{today()}"' in page
    assert 'id="wants_feedback" name="wants_feedback" type="checkbox" value="y"' in page
    assert "ring 112" in page
    assert "Skriv inga namn eller personnummer" in page
    for legend in ("Berörda organisationer", "Målgrupp", "Sannolikhet", "Konsekvens"):
        assert f"<legend>{legend}" in page
    for text in ("Barn och unga", "Vuxna", "Äldre", "Region Test", "Annanby kommun"):
        assert text in page
    assert "lex Maria / lex Sarah" in page
    assert page.count("data-result=") == 16


def test_a_fresh_page_gets_a_fresh_token(client, w, auth):
    auth.login("staff@test.example")
    pattern = r'name="submission_token" type="hidden" value="([0-9a-f]{32})"'
    first = re.search(pattern, client.get("/rapportera").get_data(as_text=True)).group(1)
    second = re.search(pattern, client.get("/rapportera").get_data(as_text=True)).group(1)
    assert first != second


def test_valid_report_creates_a_routed_case_and_shows_the_receipt(app, client, w, auth):
    auth.login("staff@test.example")
    data = report_data(w)
    year = local_today(TEST_NOW).year
    with app.app_context():
        before = db.session.scalar(select(func.count()).where(Deviation.year == year))
    response = client.post("/rapportera", data=data)
    assert response.status_code == 302
    [deviation] = deviations_with_token(app, data["submission_token"])
    assert response.headers["Location"] == f"/rapportera/kvitto/{deviation.id}"
    assert deviation.number == f"AV-{year}-{before + 1:04d}"
    assert deviation.group_id == w["group"]
    assert deviation.reporter_id == w["staff"]
    assert deviation.reporter_unit_id == w["unit"]
    assert deviation.state is DeviationState.SUBMITTED
    assert (deviation.probability, deviation.consequence, deviation.risk_score) == (3, 2, 6)
    assert deviation.occurred_at_time.strftime("%H:%M") == "14:30"
    assert deviation.agreement == "Riktlinje för utskrivning"
    assert deviation.wants_feedback is True
    assert deviation.possible_serious is False

    receipt = client.get(response.headers["Location"])
    assert receipt.status_code == 200
    page = receipt.get_data(as_text=True)
    assert f'<p class="case-number">{deviation.number}</p>' in page
    assert "Samverkansgrupp Äldre tar emot rapporten" in page
    assert "(Region Test)" in page
    assert "Du får återkoppling" in page
    assert f'href="/avvikelser/{deviation.id}"' in page
    assert 'href="/mina-rapporter"' in page
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).where(AuditEntry.deviation_id == deviation.id)
        )


def test_unticked_boxes_and_empty_optional_fields(app, client, w, auth):
    auth.login("staff@test.example")
    data = report_data(w, possible_serious="y", occurred_at_time="", agreement="")
    del data["wants_feedback"]
    assert client.post("/rapportera", data=data).status_code == 302
    [deviation] = deviations_with_token(app, data["submission_token"])
    assert deviation.wants_feedback is False
    assert deviation.possible_serious is True
    assert deviation.occurred_at_time is None
    assert deviation.agreement is None


def test_the_same_token_twice_creates_one_case(app, client, w, auth):
    auth.login("staff@test.example")
    data = report_data(w)
    first = client.post("/rapportera", data=data)
    second = client.post("/rapportera", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(deviations_with_token(app, data["submission_token"])) == 1


def test_token_race_is_caught_by_the_unique_constraint(app, client, w, auth, monkeypatch):
    """Two requests both passed the look-up: the loser rolls back and gets the winner's case."""
    auth.login("staff@test.example")
    data = report_data(w)
    first = client.post("/rapportera", data=data)
    monkeypatch.setattr(reporting, "find_by_token", lambda token: None)
    monkeypatch.setattr(workflow, "find_by_token", lambda token: None)
    second = client.post("/rapportera", data=data)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    [deviation] = deviations_with_token(app, data["submission_token"])
    monkeypatch.undo()
    # The loser's case number was rolled back with it: numbering stays gap-free.
    other = report_data(w)
    client.post("/rapportera", data=other)
    [next_one] = deviations_with_token(app, other["submission_token"])
    assert next_one.sequence == deviation.sequence + 1


def test_validation_errors_keep_everything_typed(app, client, w, auth):
    auth.login("staff@test.example")
    data = report_data(
        w,
        title="",
        category_id="",
        probability="",
        description="Vårdplaneringen blev aldrig av & ingen ringde.",
        proposal="Gemensam checklista",
        concerned_organization_ids=[str(w["regionorg"]), str(w["other"])],
        target_group="adults",
    )
    response = client.post("/rapportera", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Formuläret behöver rättas" in page
    for target in ("#title", "#category_id", "#probability"):
        assert f'<a href="{target}">' in page
    assert "Vårdplaneringen blev aldrig av &amp; ingen ringde." in page
    assert "Gemensam checklista</textarea>" in page
    assert 'value="Riktlinje för utskrivning"' in page
    assert f'value="{data["submission_token"]}"' in page
    assert f'value="{w["regionorg"]}" checked' in page
    assert f'value="{w["other"]}" checked' in page
    assert 'value="adults" checked' in page
    assert 'value="2" checked' in page  # the consequence that was chosen
    assert 'value="14:30"' in page
    assert 'id="title-error"' in page
    assert count(app, Deviation) == 1  # only case_world's


def test_dates_in_the_future_or_in_the_wrong_order_are_refused(client, w, auth):
    auth.login("staff@test.example")
    response = client.post(
        "/rapportera", data=report_data(w, occurred_on="2999-01-01", discovered_on="2000-01-01")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<a href="#occurred_on">' in page
    assert '<a href="#discovered_on">' in page


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("description", "Patienten 19121212-1212 skrevs ut utan besked."),
        ("title", "Ej informerad om 121212-1212"),
        ("immediate_action", "Ringde om 121212+1212 igen."),
    ],
)
def test_a_personal_identity_number_is_refused_and_nothing_is_lost(
    app, client, w, auth, field, text
):
    auth.login("staff@test.example")
    data = report_data(w, **{field: text})
    response = client.post("/rapportera", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<a href="#{field}">' in page
    assert f'id="{field}-error"' in page
    assert "ser ut som ett personnummer" in page
    assert "tecken " in page  # the message says where
    assert text in page  # the text comes back as typed, for the writer to fix
    assert data["description"] in page or field == "description"
    assert 'value="Riktlinje för utskrivning"' in page
    assert f'value="{data["submission_token"]}"' in page
    assert deviations_with_token(app, data["submission_token"]) == []


def test_a_number_that_fails_the_luhn_check_is_accepted(app, client, w, auth):
    auth.login("staff@test.example")
    data = report_data(w, description="Remissen med nummer 1234567890 kom aldrig fram.")
    assert client.post("/rapportera", data=data).status_code == 302
    assert len(deviations_with_token(app, data["submission_token"])) == 1


def test_phone_numbers_warn_once_then_send(app, client, w, auth):
    auth.login("staff@test.example")
    data = report_data(w, description="Anhörig ringde från 070-123 45 67 och undrade.")
    first = client.post("/rapportera", data=data)
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "Kontrollera innan du skickar" in page
    assert "Skicka ändå" in page
    assert 'id="description-warning"' in page
    assert '<a href="#description">' in page
    assert 'name="warnings_seen" type="hidden" value="1"' in page
    assert "070-123 45 67" in page
    assert deviations_with_token(app, data["submission_token"]) == []

    second = client.post("/rapportera", data={**data, "warnings_seen": "1"})
    assert second.status_code == 302
    assert len(deviations_with_token(app, data["submission_token"])) == 1


def test_a_refusal_still_wins_after_the_warnings(app, client, w, auth):
    auth.login("staff@test.example")
    data = report_data(w, description="Ring 070-123 45 67 om 19121212-1212.", warnings_seen="1")
    assert client.post("/rapportera", data=data).status_code == 422
    assert deviations_with_token(app, data["submission_token"]) == []


def draft_id_from(response) -> int:
    location = response.headers["Location"]
    match = re.fullmatch(r"/rapportera\?utkast=(\d+)", location)
    assert match, location
    return int(match.group(1))


def test_draft_is_saved_as_typed_resumed_and_removed_on_submit(app, client, w, auth):
    auth.login("staff@test.example")
    partial = {
        "title": "Halvfärdig rapport",
        "description": "Inget meddelande",
        "category_id": "",
        "concerned_organization_ids": [str(w["other"])],
        "occurred_on": "inte ett datum",
        "probability": "4",
        "save_draft": "1",
    }
    saved = client.post("/rapportera", data=partial)
    assert saved.status_code == 302
    draft_id = draft_id_from(saved)
    assert count(app, Deviation) == 1  # a draft is not a case

    resumed = client.get(f"/rapportera?utkast={draft_id}")
    assert resumed.status_code == 200
    page = resumed.get_data(as_text=True)
    assert "Du fortsätter på ett utkast" in page
    assert 'value="Halvfärdig rapport"' in page
    assert "Inget meddelande</textarea>" in page
    assert f'value="{w["other"]}" checked' in page
    assert 'value="inte ett datum"' in page
    assert 'id="probability-3" value="4" checked' in page
    assert 'id="wants_feedback" name="wants_feedback" type="checkbox" value="y">' in page
    assert f'action="/rapportera?utkast={draft_id}"' in page

    # Saving again updates the same draft.
    again = client.post(f"/rapportera?utkast={draft_id}", data={**partial, "title": "Nästan klar"})
    assert draft_id_from(again) == draft_id
    assert count(app, DeviationDraft) == 1

    data = report_data(w)
    sent = client.post(f"/rapportera?utkast={draft_id}", data=data)
    assert sent.status_code == 302
    assert len(deviations_with_token(app, data["submission_token"])) == 1
    assert count(app, DeviationDraft) == 0
    assert client.get(f"/rapportera?utkast={draft_id}").status_code == 404

    # A second click on the same form finds the case, not a missing draft.
    twice = client.post(f"/rapportera?utkast={draft_id}", data=data)
    assert twice.headers["Location"] == sent.headers["Location"]


def test_a_draft_with_a_personal_identity_number_is_not_stored(app, client, w, auth):
    auth.login("staff@test.example")
    response = client.post(
        "/rapportera",
        data={"title": "Gäller 19121212-1212", "description": "Text", "save_draft": "1"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Utkastet sparades inte." in page
    assert '<a href="#title">' in page
    assert "Gäller 19121212-1212" in page
    assert count(app, DeviationDraft) == 0


def test_drafts_are_listed_for_their_author_only(app, client, w, auth):
    auth.login("staff@test.example")
    draft_id = draft_id_from(
        client.post("/rapportera", data={"title": "Mitt utkast", "save_draft": "1"})
    )
    for path in ("/", "/mina-rapporter"):
        page = client.get(path).get_data(as_text=True)
        assert "Mitt utkast" in page
        assert f'href="/rapportera?utkast={draft_id}"' in page
        assert f'action="/rapportera/utkast/{draft_id}/ta-bort"' in page
    auth.logout()

    auth.login("outsider@test.example")
    assert "Mitt utkast" not in client.get("/mina-rapporter").get_data(as_text=True)
    assert client.get(f"/rapportera?utkast={draft_id}").status_code == 404
    assert client.post(f"/rapportera/utkast/{draft_id}/ta-bort").status_code == 404
    # Posting to someone else's draft saves a new draft of one's own; theirs is untouched.
    client.post(f"/rapportera?utkast={draft_id}", data={"title": "Mitt", "save_draft": "1"})
    with app.app_context():
        assert db.session.get(DeviationDraft, draft_id).title == "Mitt utkast"
    auth.logout()

    auth.login("staff@test.example")
    removed = client.post(f"/rapportera/utkast/{draft_id}/ta-bort", data={"next": "/"})
    assert removed.status_code == 302
    assert removed.headers["Location"] == "/"
    with app.app_context():
        assert db.session.get(DeviationDraft, draft_id) is None


def test_someone_elses_receipt_is_not_found(app, client, w, auth):
    auth.login("outsider@test.example")
    assert client.get(f"/rapportera/kvitto/{w['deviation']}").status_code == 404
    auth.logout()
    auth.login("staff@test.example")
    assert client.get(f"/rapportera/kvitto/{w['deviation']}").status_code == 200


def test_mine_lists_own_reports_with_feedback(app, client, w, auth):
    now = TEST_NOW
    with app.app_context():
        staff = db.session.get(User, w["staff"])
        secretary = db.session.get(User, w["secretary"])
        category = db.session.get(Category, w["category"])
        regionorg = db.session.get(Organization, w["regionorg"])
        original = db.session.get(Deviation, w["deviation"])
        duplicate = workflow.submit_deviation(
            factories.report([regionorg], category, title="Samma sak igen"), actor=staff, now=now
        )
        workflow.mark_duplicate(duplicate, original, actor=secretary, now=now)
        internal = workflow.submit_deviation(
            factories.report([regionorg], category, title="Egen rutin brast"), actor=staff, now=now
        )
        workflow.mark_not_collaboration(
            internal,
            reason="Händelsen gällde bara den egna enheten.",
            report_instead="Rapportera i kommunens eget avvikelsesystem.",
            actor=secretary,
            now=now,
        )
        member = db.session.get(User, w["member"])
        workflow.submit_deviation(
            factories.report([regionorg], category, title="Någon annans rapport"),
            actor=member,
            now=now,
        )
        db.session.commit()

    auth.login("staff@test.example")
    page = client.get("/mina-rapporter").get_data(as_text=True)
    assert "Någon annans rapport" not in page
    for text in (
        "Utskrivning utan inskrivningsmeddelande",
        "Samma sak igen",
        "Avslutad",
        "Hanteras i det ärendet",
        "Egen rutin brast",
        "Ej samverkansavvikelse",
        "Händelsen gällde bara den egna enheten.",
        "Rapportera i kommunens eget avvikelsesystem.",
        "Informationsöverföring",
    ):
        assert text.lower() in page.lower(), text
    # Newest first.
    assert page.index("Egen rutin brast") < page.index("Samma sak igen")
    assert page.index("Samma sak igen") < page.index("Utskrivning utan inskrivningsmeddelande")


def test_mine_shows_the_groups_decision_and_a_hand_over_before_closing(app, client, w, auth):
    now = TEST_NOW
    with app.app_context():
        deviation = db.session.get(Deviation, w["deviation"])
        secretary = db.session.get(User, w["secretary"])
        workflow.request_answers(deviation, due_on=None, actor=secretary, now=now)
        workflow.submit_answer(
            deviation,
            w["regionorg"],
            what_happened="Meddelandet skickades inte.",
            cause=None,
            measures=None,
            actor=db.session.get(User, w["region_coordinator"]),
            now=now,
        )
        workflow.hand_over(deviation, reason="Hela länet.", actor=secretary, now=now)
        db.session.commit()
    auth.login("staff@test.example")
    assert "Lyft till LSVO" in client.get("/mina-rapporter").get_data(as_text=True)
    with app.app_context():
        deviation = db.session.get(Deviation, w["deviation"])
        lsvo_chair = db.session.get(User, w["lsvo_chair"])
        workflow.decide(
            deviation, decision="Länsgemensam rutin tas fram.", actor=lsvo_chair, now=now
        )
        db.session.commit()
    page = client.get("/mina-rapporter").get_data(as_text=True)
    assert "Länsgemensam rutin tas fram." in page
    assert "Du får återkoppling när ärendet avslutas." in page


def add_reports(app, w, n: int) -> None:
    with app.app_context():
        staff = db.session.get(User, w["staff"])
        category = db.session.get(Category, w["category"])
        regionorg = db.session.get(Organization, w["regionorg"])
        for i in range(n):
            workflow.submit_deviation(
                factories.report([regionorg], category, title=f"Rapport nummer {i}"),
                actor=staff,
                now=TEST_NOW,
            )
        db.session.commit()


def statements_for(client, path: str) -> int:
    statements = []

    def count_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count_statement)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", count_statement)
    return len(statements)


def test_mine_runs_the_same_statements_for_3_or_30_reports(app, client, w, auth):
    auth.login("staff@test.example")
    client.get("/mina-rapporter")  # warm up
    add_reports(app, w, 2)  # with case_world's: 3
    few = statements_for(client, "/mina-rapporter")
    add_reports(app, w, 27)  # 30
    many = statements_for(client, "/mina-rapporter")
    assert few == many


def test_mine_pages_by_keyset(app, client, w, auth):
    add_reports(app, w, 29)  # with case_world's: 30
    auth.login("staff@test.example")
    first = client.get("/mina-rapporter").get_data(as_text=True)
    assert first.count('class="report-item"') == 25
    older = re.search(r'href="(/mina-rapporter\?fore=[^"]+)">Äldre rapporter', first)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('class="report-item"') == 5
    assert "Äldre rapporter" not in second
    assert "Till de senaste" in second
    first_numbers = set(re.findall(r"AV-\d{4}-\d{4}", first))
    second_numbers = set(re.findall(r"AV-\d{4}-\d{4}", second))
    assert len(first_numbers | second_numbers) == 30
    assert not first_numbers & second_numbers
    # A damaged cursor starts from the newest.
    damaged = client.get("/mina-rapporter?fore=inte-ett-datum,x").get_data(as_text=True)
    assert damaged.count('class="report-item"') == 25
