"""Region isolation (DESIGN §2, issue 12 point 1): nothing of one region exists for another's.

Blekinge gets its demo history (every kind of object: cases in every state, meetings, minutes,
clusters, efforts, proposals, suggestions); Jämtland Härjedalen gets only its people. Then every
route with an id is walked, with a Blekinge id, as Jämtland Härjedalen's administrator, chairs,
secretary, coordinator and reporter, and must answer 404 whatever the method; every page without
an id (lists, search, inboxes, the recurrence and improvement pages, admin) must show none of
Blekinge's cases, organizations or people.

The routes come from app.url_map: a new route is walked as soon as it exists, and one whose
argument this module cannot fill from the world fails until someone adds its object to
`objects()`. EXCEPTIONS names the routes left out and why.
"""

import io
import re
from collections import Counter

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from avvikelse import create_app
from avvikelse.extensions import db
from avvikelse.models import (
    Action,
    ApiClient,
    Assignment,
    Category,
    Cluster,
    ClusterCase,
    ConcernedOrganization,
    Coordinator,
    Decision,
    Deviation,
    DeviationDraft,
    DeviationState,
    Group,
    GroupLevel,
    ImprovementEffort,
    ImprovementProposal,
    Indicator,
    Matter,
    Meeting,
    Membership,
    Minutes,
    Notification,
    Organization,
    Process,
    ProcessGoal,
    ProposalStatus,
    Region,
    Suggestion,
    Unit,
    User,
)
from avvikelse.models.improvement import effort_actions
from avvikelse.services.api_clients import register_client
from avvikelse.services.dates import install_clock
from avvikelse.services.demo import DEMO_PASSWORD, load_demo
from avvikelse.services.deviations import save_draft
from avvikelse.services.regions import load_region

from ..clock import TEST_NOW, FrozenClock
from ..conftest import BASE_TEST_CONFIG

HOME, FOREIGN = "blekinge", "jamtland-harjedalen"

# Jämtland Härjedalen's people who walk Blekinge's routes, by their [demo] label.
ROLES = {
    "admin": "Administratör",
    "strategic_chair": "Ordförande strategisk grupp",
    "strategic_secretary": "Sekreterare strategisk grupp",
    "chair": "Ordförande Samverkansgrupp Äldre",
    "coordinator": "Avvikelsesamordnare Region Jämtland Härjedalen",
    "reporter": "Rapportör Region (sjuksköterska)",
}

# Routes left out of the walk, each with the reason it may answer a foreign region.
EXCEPTIONS = {
    "static": "static files, no data",
    "public.minutes": "approved minutes are published to everyone (DESIGN §6, without personal "
    "data); tests/views/test_minutes.py checks that only approved minutes are",
    "public.minutes_pdf": "the same published minutes as a PDF",
    "admin.accessibility_report_handle": "accessibility reports are about the service all regions "
    "share and have no region (permissions.administrable)",
    "public.statistics": "every region's public statistics are public (DESIGN §8): counts only, "
    "small ones hidden",
    "inbox.export": "the argument is the file kind, not an id: walked as a list page below",
    "dashboard.table_csv": "the argument is the table's name, not an id: walked as a list page",
    "auth.sso_start": "the argument is a configured identity provider, no data; a provider signs "
    "into its own region only (tests/test_single_sign_on.py)",
    "auth.sso_callback": "the identity provider's return to the app, no data",
    "api.read_case": "the JSON API takes a bearer token, not a session (401 here); "
    "tests/api/test_api.py walks it with another organization's client",
    "api.answer": "the JSON API, as api.read_case",
    "api.not_ours": "the JSON API, as api.read_case",
    "api.comment": "the JSON API, as api.read_case",
}

# Pages without an id that are not walked for content, and why.
LIST_EXCEPTIONS = {
    "static": "no data",
    "auth.login": "the log-in form",
    "auth.logout": "logs the walker out",
    "public.minutes_list": "the published minutes of every region (DESIGN §6)",
    "pages.accessibility": "the accessibility statement",
    "pages.health": "a health check",
    "pages.report_accessibility_problem": "the public accessibility form",
    "inbox.mark_all_read": "marks the walker's own notices",
    "api-docs.openapi_json": "the OpenAPI document: routes and schemas, no data",
    "api_reference.docs": "the same document as a page",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory, demo_history):
    """Both regions in one database, built once for the module (the history takes a while)."""
    path = tmp_path_factory.mktemp("isolation") / "regions.sqlite"
    demo_history(HOME, path)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    install_clock(app, FrozenClock(TEST_NOW))
    with app.app_context():
        load_region(FOREIGN)
        logins = dict(load_demo(FOREIGN, now=TEST_NOW))
        home = db.session.scalar(select(Region).where(Region.key == HOME))
        _complete(home)
        db.session.commit()
        roles = {role: logins[label].email for role, label in ROLES.items()}
        found = objects(home)
        markers = home_markers(home)
    yield app, roles, found, markers
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _complete(home: Region) -> None:
    """The few kinds the demo history does not make: an uppdrag and a saved report draft."""
    decision = db.session.scalar(
        select(Decision)
        .join(Matter, Decision.matter_id == Matter.id)
        .join(Group, Matter.group_id == Group.id)
        .where(Group.region_id == home.id)
        .order_by((Group.level == GroupLevel.STRATEGIC).desc(), Decision.id)
    )
    tactical = db.session.scalar(
        select(Group)
        .where(Group.region_id == home.id, Group.level == GroupLevel.TACTICAL)
        .order_by(Group.id)
    )
    db.session.add(
        Assignment(
            decision=decision,
            to_group=tactical,
            purpose="Ta fram en gemensam rutin för Karlskrona och Ronneby",
            deliverable="Rutin",
            deadline=TEST_NOW.date(),
        )
    )
    reporter = db.session.scalar(
        select(User)
        .join(Organization, User.organization_id == Organization.id)
        .join(Deviation, Deviation.reporter_id == User.id)
        .where(Organization.region_id == home.id)
        .order_by(User.id)
    )
    save_draft(reporter, {"title": "Utkast om Karlskrona"}, now=TEST_NOW)
    admin = db.session.scalar(
        select(User)
        .join(Organization, User.organization_id == Organization.id)
        .where(Organization.region_id == home.id, User.is_admin)
    )
    register_client(
        name="Synergi Karlskrona",
        organization=reporter.organization,
        scopes=["read"],
        actor=admin,
        now=TEST_NOW,
    )
    db.session.flush()


def _first(statement) -> int | None:
    return db.session.scalar(statement.limit(1))


def objects(home: Region) -> list[tuple[frozenset[str], dict[str, object]]]:
    """Blekinge objects to put in the URLs: (blueprints that use them, {argument: value}).

    A route takes the first entry of its blueprint that fills all its arguments; the cases come
    three times (handed over, waiting for answers, with an action), so a leak to LSVO's people
    or to coordinators is caught as well as one to everybody."""
    rid = home.id
    case = select(Deviation.id).where(Deviation.region_id == rid).order_by(Deviation.id)
    cases = []
    for condition in (
        Deviation.state == DeviationState.ESCALATED,
        Deviation.state == DeviationState.AWAITING_ANSWERS,
        Deviation.actions.any(),
    ):
        deviation_id = _first(case.where(condition))
        values = {"deviation_id": deviation_id}
        organization_id = _first(
            select(ConcernedOrganization.organization_id).where(
                ConcernedOrganization.deviation_id == deviation_id
            )
        )
        values["organization_id"] = organization_id
        action_id = _first(select(Action.id).where(Action.deviation_id == deviation_id))
        if action_id is not None:
            values["action_id"] = action_id
        cases.append((frozenset({"deviations", "recurrence", "improvement", "report"}), values))

    effort_id = _first(select(ImprovementEffort.id).where(ImprovementEffort.region_id == rid))
    effort = {
        "effort_id": effort_id,
        "action_id": _first(
            select(effort_actions.c.action_id).where(effort_actions.c.effort_id == effort_id)
        ),
        "indicator_id": _first(select(Indicator.id).where(Indicator.effort_id == effort_id)),
    }
    process_id = _first(
        select(Process.id).where(Process.region_id == rid, Process.goals.any()).order_by(Process.id)
    )
    goal_id = _first(select(ProcessGoal.id).where(ProcessGoal.process_id == process_id))
    proposal_id = _first(
        select(ImprovementProposal.id).where(
            ImprovementProposal.process_id == process_id,
            ImprovementProposal.status == ProposalStatus.OPEN,
        )
    )
    process = {
        "process_id": process_id,
        "goal_id": goal_id,
        "indicator_id": _first(select(Indicator.id).where(Indicator.goal_id == goal_id)),
        "item": f"proposal:{proposal_id}",
    }
    cluster_id = _first(select(Cluster.id).where(Cluster.region_id == rid))
    cluster = {
        "cluster_id": cluster_id,
        "case_id": _first(
            select(ClusterCase.deviation_id).where(ClusterCase.cluster_id == cluster_id)
        ),
    }
    minutes = db.session.scalar(
        select(Minutes)
        .join(Meeting, Minutes.meeting_id == Meeting.id)
        .join(Group, Meeting.group_id == Group.id)
        .where(Group.region_id == rid)
        .order_by(Minutes.id)
        .limit(1)
    )
    decision = db.session.scalar(
        select(Decision)
        .join(Matter, Decision.matter_id == Matter.id)
        .join(Group, Matter.group_id == Group.id)
        .where(Group.region_id == rid, Decision.follow_up_on.is_not(None))
        .order_by(Decision.id)
        .limit(1)
    )
    meeting = {
        "meeting_id": minutes.meeting_id,
        "minutes_id": minutes.id,
        "matter_id": _first(
            select(Matter.id)
            .join(Group, Matter.group_id == Group.id)
            .where(Group.region_id == rid)
            .order_by(Matter.id)
        ),
        "direction": "upp",
        "group_id": minutes.meeting.group_id,
        "decision_id": decision.id if decision is not None else None,
        "assignment_id": _first(
            select(Assignment.id)
            .join(Group, Assignment.to_group_id == Group.id)
            .where(Group.region_id == rid)
        ),
    }
    people = select(User.id).join(Organization, User.organization_id == Organization.id)
    home_notice = _first(
        select(Notification.id)
        .join(User, Notification.user_id == User.id)
        .join(Organization, User.organization_id == Organization.id)
        .where(Organization.region_id == rid)
        .order_by(Notification.id)
    )
    admin = {
        "user_id": _first(people.where(Organization.region_id == rid)),
        "unit_id": _first(
            select(Unit.id)
            .join(Organization, Unit.organization_id == Organization.id)
            .where(Organization.region_id == rid)
        ),
        "group_id": meeting["group_id"],
        "category_id": _first(select(Category.id).where(Category.region_id == rid)),
        "organization_id": _first(select(Organization.id).where(Organization.region_id == rid)),
        "membership_id": _first(
            select(Membership.id)
            .join(Group, Membership.group_id == Group.id)
            .where(Group.region_id == rid)
        ),
        "coordinator_id": _first(
            select(Coordinator.id)
            .join(Organization, Coordinator.organization_id == Organization.id)
            .where(Organization.region_id == rid)
        ),
        "notification_id": home_notice,
        "direction": "upp",
        "client_id": _first(
            select(ApiClient.id)
            .join(Organization, ApiClient.organization_id == Organization.id)
            .where(Organization.region_id == rid)
        ),
    }
    draft_id = _first(select(DeviationDraft.id))
    return [
        *cases,
        (frozenset({"improvement"}), effort),
        (frozenset({"processes"}), process),
        (frozenset({"clusters"}), cluster),
        (frozenset({"meetings", "minutes"}), meeting),
        (
            frozenset({"recurrence"}),
            {"suggestion_id": _first(select(Suggestion.id).where(Suggestion.region_id == rid))},
        ),
        (frozenset({"inbox"}), {"notification_id": home_notice}),
        (frozenset({"report"}), {"draft_id": draft_id}),
        (frozenset({"admin", "admin_api"}), admin),
        (
            frozenset({"annual_reports"}),
            {"group_id": meeting["group_id"], "year": TEST_NOW.year - 1},
        ),
    ]


def home_markers(home: Region) -> set[str]:
    """Strings only Blekinge's content contains: its cases' titles and numbers, its
    organizations' and people's names (Jämtland Härjedalen has no cases of its own here)."""
    rid = home.id
    markers = set(db.session.scalars(select(Deviation.title).where(Deviation.region_id == rid)))
    markers |= set(db.session.scalars(select(Deviation.number).where(Deviation.region_id == rid)))
    markers |= set(
        db.session.scalars(select(Organization.name).where(Organization.region_id == rid))
    )
    markers |= set(
        db.session.scalars(
            select(User.name)
            .join(Organization, User.organization_id == Organization.id)
            .where(Organization.region_id == rid)
        )
    )
    return {m for m in markers if m and len(m) >= 6}


def urls(app, found) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(endpoint, method, url) for every route with an argument, and the routes it could not
    fill (a new kind of id: add its Blekinge object to objects())."""
    walked, unfilled = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.arguments or rule.endpoint in EXCEPTIONS:
            continue
        blueprint = rule.endpoint.partition(".")[0]
        fills = [
            values
            for blueprints, values in found
            if blueprint in blueprints
            and all(values.get(name) is not None for name in rule.arguments)
        ]
        if not fills:
            unfilled.append(rule.endpoint)
            continue
        for values in fills:
            url = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)
            for method in sorted(rule.methods & {"GET", "POST"}):
                walked.append((rule.endpoint, method, url[1]))
    return walked, unfilled


def list_urls(app, found) -> list[str]:
    """Every page without an id, plus the ones that take ids in the query string."""
    pages = [
        rule.rule
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        if not rule.arguments and "GET" in rule.methods and rule.endpoint not in LIST_EXCEPTIONS
    ]
    case = found[0][1]
    meeting = next(values for _b, values in found if "meeting_id" in values)
    process = next(values for _b, values in found if "process_id" in values)
    cluster = next(values for _b, values in found if "cluster_id" in values)
    draft = next(values for _b, values in found if "draft_id" in values)
    organization = case["organization_id"]
    category = next(values for _b, values in found if "category_id" in values)["category_id"]
    return [
        *pages,
        f"/arenden?grupp={meeting['group_id']}",
        f"/inkorg/grupp?grupp={meeting['group_id']}",
        f"/moten/arshjul?ar={TEST_NOW.year}",
        f"/aterkommande/liknande?category_id={category}&concerned_organization_ids={organization}",
        f"/aterkommande/liknande?format=html&category_id={category}"
        f"&concerned_organization_ids={organization}",
        f"/forbattring/nytt?process={process['process_id']}",
        f"/forbattring/nytt?avvikelse={case['deviation_id']}",
        f"/forbattring/nytt?kluster={cluster['cluster_id']}",
        f"/forbattring/nytt?beslut={meeting['decision_id'] or 0}",
        f"/rapportera?utkast={draft['draft_id']}",
        "/arenden.csv",
        "/arenden.xlsx",
        "/uppfoljning/matris.csv",
        "/uppfoljning/ledtider.csv",
    ]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEARCH_WORDS = ("utskrivning", "läkemedel", "hemtjänst", "karlskrona", "information", "sip")


def login(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, email


# The forms' hints give example case numbers ("Till exempel AV-2026-0003."); they are no leak.
EXAMPLES = re.compile(r"(?:Till exempel|T\.ex\.|Skriv numret som) AV-[\d-]+(?:, AV-[\d-]+)*")


def text_of(response) -> str:
    """The text a response carries: an XLSX export's cells, else the body decoded."""
    if response.mimetype == XLSX:
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return response.get_data(as_text=True)


def leaks_of(body: str, markers: set[str]) -> list[str]:
    body = EXAMPLES.sub("", body)
    return sorted(m for m in markers if m in body)


@pytest.fixture(scope="module")
def walked(world):
    return walk(*world)


def walk(app, roles, found, markers):
    """The whole walk: (routes with ids, routes not filled, requests per role, leaks found)."""
    routes, unfilled = urls(app, found)
    pages = list_urls(app, found)
    leaks: list[str] = []
    counts: Counter = Counter()
    for role, email in roles.items():
        client = app.test_client()
        login(client, email)
        for endpoint, method, url in routes:
            response = client.open(url, method=method, data={})
            counts[role] += 1
            if response.status_code != 404:
                leaks.append(f"{role} {method} {url} ({endpoint}): {response.status_code}")
        # A cluster is made for a group named in the form, not the URL.
        group_id = next(values for _b, values in found if "meeting_id" in values)["group_id"]
        response = client.post("/kluster/nytt", data={"group_id": group_id})
        counts[role] += 1
        if response.status_code != 404:
            leaks.append(f"{role} POST /kluster/nytt group_id={group_id}: {response.status_code}")
        # Search is a POST (the words stay out of access logs). Each body is read before the
        # next request: a streamed export keeps its request context until it is read.
        visits = [(url, "GET", url, None) for url in pages]
        visits += [(f"/sok/ q={w}", "POST", "/sok/", {"q": w}) for w in SEARCH_WORDS]
        for url, method, path, data in visits:
            response = client.open(path, method=method, data=data)
            counts[role] += 1
            body = text_of(response)
            found_markers = leaks_of(body, markers)
            if response.status_code >= 500 or found_markers:
                leaks.append(f"{role} GET {url}: {response.status_code} {found_markers[:5]}")
    return routes, unfilled, counts, leaks


def test_every_route_with_an_id_is_walked(walked):
    routes, unfilled, counts, _leaks = walked
    assert set(counts) == set(ROLES)
    assert not unfilled, f"no Blekinge object for these routes' ids: {unfilled}"
    endpoints = {endpoint for endpoint, _method, _url in routes}
    assert {
        "deviations.detail",
        "report.receipt",
        "improvement.case_questions",
        "recurrence.hand_over",
        "meetings.detail",
        "minutes.detail",
        "clusters.detail",
        "improvement.detail",
        "processes.council",
        "admin.user_edit",
    } <= endpoints


def test_nothing_of_another_region_is_shown(walked):
    _routes, _unfilled, _counts, leaks = walked
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(leaks)
