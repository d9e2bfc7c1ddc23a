"""Ärenden, the inboxes, Notiser and "Väntar på dig" over HTTP: what is listed, what is marked,
and that a list page costs the same number of statements however long or busy it is."""

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from avvikelse.extensions import db
from avvikelse.models import (
    Category,
    Coordinator,
    Deviation,
    Group,
    MembershipRole,
    Notification,
    Organization,
    Region,
    User,
)
from avvikelse.services import deviations as workflow
from avvikelse.services.dates import STOCKHOLM, local_today

from .. import factories
from ..clock import TEST_NOW

CASE_ROW = re.compile(
    r'<td class="nowrap case-ref-cell"><a href="/avvikelser/\d+">(AV-\d{4}-\d{4})<'
)


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.case_world()
        outsider = factories.create_user(world["other"], "outsider@test.example")
        db.session.commit()
        ids = {name: obj.id for name, obj in world.items()}
        ids["outsider"] = outsider.id
        ids["number"] = world["deviation"].number
    return ids


def now() -> datetime:
    return TEST_NOW


def today() -> date:
    return local_today(now())


def load(w, *names):
    return [db.session.get(User, w[name]) for name in names]


def add_cases(app, w, count, *, at=None, **overrides):
    """Cases reported by Stina Personal, concerning Region Test, optionally `at` a moment."""
    with app.app_context():
        staff = db.session.get(User, w["staff"])
        region = db.session.get(Organization, w["regionorg"])
        category = db.session.get(Category, w["category"])
        moment = at or now()
        day = local_today(moment)
        created = [
            workflow.submit_deviation(
                factories.report(
                    [region], category, occurred_on=day, discovered_on=day, **overrides
                ),
                actor=staff,
                now=moment,
            )
            for _ in range(count)
        ]
        db.session.commit()
        return [d.id for d in created]


def ask_for_answers(app, w, deviation_ids, *, asked, due_on):
    with app.app_context():
        chair = db.session.get(User, w["chair"])
        for deviation_id in deviation_ids:
            workflow.request_answers(
                db.session.get(Deviation, deviation_id), due_on=due_on, actor=chair, now=asked
            )
        db.session.commit()


def statements_for(client, path) -> list[str]:
    """The SQL statements one request runs."""
    statements = []

    def count_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count_statement)
    try:
        # 200, not 500: a lazy load while rendering would raise (raiseload) and fail the page.
        assert client.get(path).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", count_statement)
    return statements


def listed(page: str) -> list[str]:
    return CASE_ROW.findall(page)


# --- Ärenden --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "sees"),
    [
        ("admin@test.example", True),
        ("chair@test.example", True),
        ("member@test.example", True),
        ("coord.region@test.example", True),
        ("staff@test.example", True),
        ("outsider@test.example", False),
    ],
)
def test_case_list_shows_only_visible_cases(client, w, auth, email, sees):
    auth.login(email)
    page = client.get("/arenden").get_data(as_text=True)
    assert listed(page) == ([w["number"]] if sees else [])
    if not sees:
        assert "0 ärenden." in page
        assert "Inga ärenden matchar filtret." in page


def test_case_list_columns_never_name_the_reporter(client, w, auth):
    auth.login("coord.region@test.example")
    page = client.get("/arenden").get_data(as_text=True)
    for text in (
        w["number"],
        "Utskrivning utan inskrivningsmeddelande",
        "Informationsöverföring",
        "Testby kommun",
        "Hemtjänst",
        "Region Test",
        "Samverkansgrupp Äldre",
        "Inkommen",
        "Hög risk",
    ):
        assert text in page, text
    assert "Stina Personal" not in page
    assert f'href="/avvikelser/{w["deviation"]}"' in page


def test_filters_keep_their_values_and_filter(app, client, w, auth):
    [low] = add_cases(app, w, 1, probability=1, consequence=1)
    auth.login("admin@test.example")
    page = client.get("/arenden?risk=low&status=open").get_data(as_text=True)
    assert '<form method="get" action="/arenden" class="filters case-filters"' in page
    assert '<option selected value="low">Låg risk</option>' in page
    assert '<option selected value="open">Alla öppna</option>' in page
    assert '<label for="risk">Risknivå</label>' in page
    with app.app_context():
        number = db.session.get(Deviation, low).number
    assert listed(page) == [number]
    page = client.get(f"/arenden?organisation={w['other']}").get_data(as_text=True)
    assert listed(page) == []
    page = client.get(f"/arenden?fran={today().isoformat()}&till={today().isoformat()}")
    assert set(listed(page.get_data(as_text=True))) == {number, w["number"]}


def test_a_bad_filter_is_explained_not_ignored(client, w, auth):
    auth.login("admin@test.example")
    page = client.get("/arenden?fran=2026-12-01&till=2026-11-01").get_data(as_text=True)
    assert "Till-datumet kan inte vara före från-datumet." in page
    assert listed(page) == []
    assert 'value="2026-12-01"' in page  # what was typed stays
    page = client.get("/arenden?status=nonsense").get_data(as_text=True)
    assert "Formuläret behöver rättas" in page
    assert listed(page) == []


def test_case_list_pages_by_keyset(app, client, w, auth):
    # 12 more cases, three per instant, so ties in submitted_at are common.
    base = now() - timedelta(hours=1)
    for i in range(4):
        add_cases(app, w, 3, at=base - timedelta(minutes=i))
    with app.app_context():
        expected = [
            d.number
            for d in db.session.scalars(
                select(Deviation).order_by(Deviation.submitted_at.desc(), Deviation.id.desc())
            )
        ]
    assert len(expected) == 13
    auth.login("admin@test.example")
    seen, path, pages = [], "/arenden?risk=high&per_page=5", 0
    while path:
        page = client.get(path).get_data(as_text=True)
        pages += 1
        seen.extend(listed(page))
        if pages > 1:
            assert "Första sidan" in page
        following = re.search(r'href="([^"]+)">Nästa sida', page)
        path = following.group(1).replace("&amp;", "&") if following else None
        if path:
            assert "risk=high" in path
            assert "per_page=5" in path
            assert "fore=" in path
    assert pages == 3
    assert seen == expected


def test_per_page_is_capped(app, client, w, auth):
    add_cases(app, w, 101)
    auth.login("admin@test.example")
    page = client.get("/arenden?per_page=500").get_data(as_text=True)
    assert len(listed(page)) == 100
    assert "Nästa sida" in page
    assert "102 ärenden." in page


def test_list_statements_do_not_grow_with_page_size(app, client, w, auth):
    add_cases(app, w, 54)
    auth.login("admin@test.example")
    client.get("/arenden")  # warm up
    small = statements_for(client, "/arenden?per_page=5")
    large = statements_for(client, "/arenden?per_page=50")
    assert len(small) == len(large)


def test_list_statements_do_not_grow_with_answers_and_events(app, client, w, auth):
    ids = add_cases(app, w, 5)
    auth.login("coord.region@test.example")
    client.get("/arenden")  # warm up
    quiet = statements_for(client, "/arenden?per_page=6")
    with app.app_context():
        chair, coordinator = load(w, "chair", "region_coordinator")
        for deviation_id in [*ids, w["deviation"]]:
            deviation = db.session.get(Deviation, deviation_id)
            for n in range(9):
                workflow.add_comment(deviation, f"Kommentar {n}", actor=chair, now=now())
            workflow.request_answers(deviation, due_on=None, actor=chair, now=now())
            workflow.submit_answer(
                deviation,
                w["regionorg"],
                what_happened="Meddelandet skickades inte.",
                cause=None,
                measures=None,
                actor=coordinator,
                now=now(),
            )
        db.session.commit()
        events = db.session.scalar(select(Deviation).where(Deviation.id == w["deviation"])).events
        assert len(events) >= 10
    busy = statements_for(client, "/arenden?per_page=6")
    assert len(quiet) == len(busy)


def test_inbox_statements_do_not_grow_with_cases(app, client, w, auth):
    auth.login("chair@test.example")
    client.get("/inkorg/grupp")  # warm up
    few = len(statements_for(client, "/inkorg/grupp"))
    add_cases(app, w, 20)
    assert len(statements_for(client, "/inkorg/grupp")) == few
    auth.logout()
    ids = add_cases(app, w, 2)
    ask_for_answers(app, w, ids, asked=now(), due_on=today() + timedelta(days=10))
    auth.login("coord.region@test.example")
    client.get("/inkorg/samordnare")
    few = len(statements_for(client, "/inkorg/samordnare"))
    ids = add_cases(app, w, 20)
    ask_for_answers(app, w, ids, asked=now(), due_on=today() + timedelta(days=10))
    assert len(statements_for(client, "/inkorg/samordnare")) == few


@pytest.mark.parametrize(
    "email",
    [
        "staff@test.example",
        "coord.region@test.example",
        "chair@test.example",
        "lsvo.chair@test.example",
        "lsvo.member@test.example",
        "admin@test.example",
    ],
)
def test_start_page_statements_do_not_grow_with_cases(app, client, w, auth, email):
    """Väntar på dig counts; each way of seeing cases is one term of one query (issue 15)."""
    asked = now() - timedelta(days=20)
    ids = add_cases(app, w, 2, at=asked)
    ask_for_answers(app, w, ids, asked=asked, due_on=today() - timedelta(days=1))
    auth.login(email)
    client.get("/")  # warm up
    few = len(statements_for(client, "/"))
    ids = add_cases(app, w, 15, at=asked, possible_serious=True)
    ask_for_answers(app, w, ids[:10], asked=asked, due_on=today() - timedelta(days=1))
    assert len(statements_for(client, "/")) == few
    assert len(statements_for(client, "/arenden")) == len(statements_for(client, "/arenden"))


# --- Overdue ------------------------------------------------------------------------------------


@pytest.fixture
def overdue(app, w):
    """One case asked 40 days ago with a date that has passed, and case_world's case in time."""
    asked = now() - timedelta(days=40)
    [late] = add_cases(app, w, 1, at=asked)
    ask_for_answers(app, w, [late], asked=asked, due_on=today() - timedelta(days=5))
    ask_for_answers(app, w, [w["deviation"]], asked=now(), due_on=today() + timedelta(days=20))
    with app.app_context():
        return db.session.get(Deviation, late).number


def test_overdue_answers_are_marked_in_the_list(client, w, auth, overdue):
    auth.login("chair@test.example")
    page = client.get("/arenden").get_data(as_text=True)
    rows = page.split("<tr")[2:]
    [late_row] = [row for row in rows if overdue in row]
    [timely_row] = [row for row in rows if w["number"] in row]
    assert 'class="is-overdue"' in late_row
    assert "Försenat" in late_row
    assert "Försenat" not in timely_row
    assert (today() + timedelta(days=20)).isoformat() in timely_row


def test_coordinator_inbox_puts_overdue_first(client, w, auth, overdue):
    auth.login("coord.region@test.example")
    page = client.get("/inkorg/samordnare").get_data(as_text=True)
    assert "Du är samordnare för Region Test." in page
    section = page.split('id="svar"')[1].split('id="besvarade"')[0]
    assert section.index(overdue) < section.index(w["number"])
    items = section.split('<li class="case-item')[1:]
    assert items[0].startswith(' is-overdue"')
    assert "Försenat" in items[0]
    assert "Försenat" not in items[1]
    # The start page says the same, with a link into the inbox.
    start = client.get("/").get_data(as_text=True)
    assert "2 ärenden väntar på ert svar" in start
    assert "1 försenat" in start
    assert 'href="/inkorg/samordnare"' in start


def test_group_inbox_marks_overdue_first(client, w, auth, overdue):
    auth.login("chair@test.example")
    page = client.get("/inkorg/grupp").get_data(as_text=True)
    section = page.split('<h2 id="svar">')[1].split('<h2 id="beredning">')[0]
    assert section.index(overdue) < section.index(w["number"])
    assert section.count("Försenat") == 1
    assert "Svar saknas från Region Test" in section


# --- The inboxes --------------------------------------------------------------------------------


def test_inbox_redirects_to_the_one_the_user_has(client, w, auth):
    auth.login("coord.region@test.example")
    assert client.get("/inkorg").headers["Location"] == "/inkorg/samordnare"
    auth.logout()
    auth.login("secretary@test.example")
    assert client.get("/inkorg").headers["Location"] == "/inkorg/grupp"


def test_inbox_shows_both_to_someone_with_both_roles(app, client, w, auth):
    with app.app_context():
        [chair] = load(w, "chair")
        factories.make_coordinator(chair, db.session.get(Organization, w["regionorg"]))
        db.session.commit()
    auth.login("chair@test.example")
    response = client.get("/inkorg")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/inkorg/samordnare"' in page
    assert f'href="/inkorg/grupp?grupp={w["group"]}"' in page
    assert "Samverkansgrupp Äldre: 1 nytt ärende att triagera" in page


def test_users_without_roles_get_explanations(client, w, auth):
    auth.login("staff@test.example")
    assert "Du har ingen inkorg." in client.get("/inkorg").get_data(as_text=True)
    page = client.get("/inkorg/samordnare")
    assert page.status_code == 200
    assert "Du är inte avvikelsesamordnare" in page.get_data(as_text=True)
    page = client.get("/inkorg/grupp")
    assert page.status_code == 200
    assert "Du är inte med i någon grupp." in page.get_data(as_text=True)
    nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
    assert ">Inkorg<" not in nav
    assert ">Ärenden<" not in nav
    assert ">Notiser" in nav


def test_group_inbox_for_managers_and_members(client, w, auth):
    auth.login("chair@test.example")
    page = client.get("/inkorg/grupp").get_data(as_text=True)
    assert "Inkorg: Samverkansgrupp Äldre" in page
    new = page.split('<h2 id="nya">')[1].split('<h2 id="svar">')[0]
    assert w["number"] in new
    assert "Du kan läsa gruppens ärenden" not in page
    auth.logout()
    auth.login("member@test.example")
    page = client.get("/inkorg/grupp").get_data(as_text=True)
    assert w["number"] in page
    assert "Du kan läsa gruppens ärenden" in page


def test_group_inbox_marks_a_case_shared_with_the_group(app, client, w, auth):
    with app.app_context():
        region = db.session.get(Region, w["region"])
        deviation = db.session.get(Deviation, w["deviation"])
        other = factories.create_group(region, "Samverkansgrupp Vuxna")
        kommun = db.session.get(Organization, w["kommun"])
        other_chair = factories.create_user(kommun, "vuxna@test.example")
        factories.add_member(other, other_chair, MembershipRole.CHAIR)
        [chair] = load(w, "chair")
        workflow.share_with_group(deviation, other, reason="", actor=chair, now=now())
        db.session.commit()
    auth.login("vuxna@test.example")
    page = client.get("/inkorg/grupp").get_data(as_text=True)
    new = page.split('<h2 id="nya">')[1].split('<h2 id="svar">')[0]
    assert w["number"] in new
    assert "Delat med gruppen" in new
    auth.logout()
    auth.login("chair@test.example")
    page = client.get("/inkorg/grupp").get_data(as_text=True)
    assert w["number"] in page
    assert "Delat med gruppen" not in page


def test_group_inbox_chooses_among_the_users_groups(app, client, w, auth):
    with app.app_context():
        [lsvo_chair] = load(w, "lsvo_chair")
        factories.add_member(db.session.get(Group, w["group"]), lsvo_chair, MembershipRole.MEMBER)
        db.session.commit()
    auth.login("lsvo.chair@test.example")
    page = client.get("/inkorg/grupp").get_data(as_text=True)
    assert "Inkorg: LSVO" in page  # the group they chair comes first
    assert f'href="/inkorg/grupp?grupp={w["group"]}"' in page
    page = client.get(f"/inkorg/grupp?grupp={w['group']}").get_data(as_text=True)
    assert "Inkorg: Samverkansgrupp Äldre" in page
    assert w["number"] in page
    assert client.get(f"/inkorg/grupp?grupp={w['group'] + 999}").status_code == 404


def test_start_page_lists_the_chairs_new_cases(client, w, auth):
    auth.login("secretary@test.example")
    page = client.get("/").get_data(as_text=True)
    assert "Samverkansgrupp Äldre: 1 nytt ärende att triagera" in page
    assert f'href="/inkorg/grupp?grupp={w["group"]}#nya"' in page
    assert "Inget väntar på dig just nu." not in page


def test_account_page_names_coordinated_organizations(app, client, w, auth):
    with app.app_context():
        [coordinator] = load(w, "region_coordinator")
        factories.make_coordinator(coordinator, db.session.get(Organization, w["other"]))
        db.session.commit()
    auth.login("coord.region@test.example")
    page = client.get("/konto/").get_data(as_text=True)
    section = page.split("<h2>Avvikelsesamordnare</h2>")[1].split("<h2>")[0]
    assert "<li>Annanby kommun</li>" in section
    assert "<li>Region Test</li>" in section
    auth.logout()
    auth.login("staff@test.example")
    assert "Du är inte avvikelsesamordnare" in client.get("/konto/").get_data(as_text=True)


# --- Notiser ------------------------------------------------------------------------------------


def notes_of(app, w, name) -> list[Notification]:
    with app.app_context():
        return db.session.scalars(
            select(Notification).where(Notification.user_id == w[name]).order_by(Notification.id)
        ).all()


def test_notifications_list_newest_first_with_unread_marked(app, client, w, auth):
    add_cases(app, w, 1, at=now() + timedelta(minutes=5))  # after case_world's case
    auth.login("chair@test.example")
    nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
    assert 'Notiser (2<span class="visually-hidden"> olästa</span>)' in nav
    page = client.get("/notiser").get_data(as_text=True)
    [first, second] = notes_of(app, w, "chair")
    assert page.index(f"/notiser/{second.id}") < page.index(f"/notiser/{first.id}")
    assert page.count('class="notification is-unread"') == 2
    assert "Ny avvikelse" in page
    assert "Markera alla som lästa" in page
    # Times are shown in Stockholm time.
    local = second.created_at.astimezone(STOCKHOLM)
    assert local.strftime("kl. %H:%M") in page


def test_mark_all_read(app, client, w, auth):
    auth.login("chair@test.example")
    response = client.post("/notiser/lasta")
    assert response.status_code == 302
    assert all(note.read_at is not None for note in notes_of(app, w, "chair"))
    page = client.get("/notiser").get_data(as_text=True)
    assert "is-unread" not in page
    assert "Alla notiser är markerade som lästa." in page
    assert "Notiser (" not in page.split("</nav>")[0]
    # Other people's notifications are untouched.
    assert all(note.read_at is None for note in notes_of(app, w, "region_coordinator"))


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_mark_all_read_needs_the_csrf_token(app, client, w):
    with client.session_transaction() as session:
        session["_user_id"] = f"{w['chair']}:0"  # User.get_id: id and session generation
        session["_fresh"] = True
    assert client.post("/notiser/lasta").status_code == 400
    assert all(note.read_at is None for note in notes_of(app, w, "chair"))


def test_opening_a_notification_marks_it_read_and_follows_it(app, client, w, auth):
    auth.login("chair@test.example")
    [note] = notes_of(app, w, "chair")
    response = client.get(f"/notiser/{note.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/avvikelser/{w['deviation']}"
    [note] = notes_of(app, w, "chair")
    assert note.read_at is not None


def test_someone_elses_notification_is_not_found(app, client, w, auth):
    [theirs] = notes_of(app, w, "region_coordinator")
    auth.login("chair@test.example")
    assert client.get(f"/notiser/{theirs.id}").status_code == 404
    assert client.get("/notiser/999999").status_code == 404
    [theirs] = notes_of(app, w, "region_coordinator")
    assert theirs.read_at is None


def test_a_notification_never_redirects_off_site(app, client, w, auth):
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.user_id == w["chair"]))
        note.url = "https://example.org/phish"
        db.session.commit()
        note_id = note.id
    auth.login("chair@test.example")
    assert client.get(f"/notiser/{note_id}").headers["Location"] == "/"


# --- Coordinators appointed by the administrator ------------------------------------------------


def test_an_appointed_coordinator_gets_the_case_in_the_inbox(app, client, w, auth):
    ask_for_answers(app, w, [w["deviation"]], asked=now(), due_on=today() + timedelta(days=10))
    auth.login("outsider@test.example")
    assert w["number"] not in client.get("/arenden").get_data(as_text=True)
    auth.logout()

    with app.app_context():
        newcomer = factories.create_user(
            db.session.get(Organization, w["regionorg"]), "ny.samordnare@test.example"
        )
        db.session.commit()
        newcomer_id = newcomer.id
    auth.login("admin@test.example")
    response = client.post(
        "/admin/samordnare", data={"user_id": newcomer_id, "organization_id": w["regionorg"]}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(
            select(Coordinator).where(
                Coordinator.user_id == newcomer_id, Coordinator.organization_id == w["regionorg"]
            )
        )
    auth.logout()

    auth.login("ny.samordnare@test.example")
    assert client.get("/inkorg").headers["Location"] == "/inkorg/samordnare"
    page = client.get("/inkorg/samordnare").get_data(as_text=True)
    assert w["number"] in page.split('id="svar"')[1].split('id="besvarade"')[0]


def test_recently_answered_by_the_user_themselves(app, client, w, auth):
    """The answer's author is the user reading the page: the menu still works (no raise)."""
    ask_for_answers(app, w, [w["deviation"]], asked=now(), due_on=today() + timedelta(days=10))
    with app.app_context():
        [coordinator] = load(w, "region_coordinator")
        workflow.submit_answer(
            db.session.get(Deviation, w["deviation"]),
            w["regionorg"],
            what_happened="Meddelandet skickades inte.",
            cause=None,
            measures=None,
            actor=coordinator,
            now=now(),
        )
        db.session.commit()
    auth.login("coord.region@test.example")
    response = client.get("/inkorg/samordnare")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    recent = page.split('id="besvarade"')[1]
    assert w["number"] in recent
    assert "Region Test svarade" in recent
    assert "Inga ärenden väntar på ert svar." in page
