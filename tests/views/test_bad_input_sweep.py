"""Every route, every role, bad values: ids out of any integer range, bad query parameters, NUL
bytes, absurd dates and an oversized body. Nothing may answer 5xx (issue 12, point 6).

The routes come from `app.url_map`, so a new route is swept without anyone listing it. Form field
names come from the form classes in avvikelse/forms, so every field any form reads gets each bad
value. POSTs carry a valid CSRF token (CSRF is on here, as in production). Runs on SQLite and,
with TEST_DATABASE_URL, on PostgreSQL, where an id of 2^31 is already out of range.
"""

import importlib
import inspect
import pkgutil
import re
from collections import Counter

import pytest
from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TimeField,
)
from wtforms.fields.core import UnboundField

import avvikelse.forms
from avvikelse.extensions import db
from avvikelse.models import (
    AccessibilityReport,
    Action,
    ApiClient,
    Assignment,
    Category,
    Cluster,
    Coordinator,
    Decision,
    Deviation,
    DeviationDraft,
    EffortKind,
    Group,
    ImprovementEffort,
    Indicator,
    Matter,
    Meeting,
    Membership,
    Minutes,
    Notification,
    Organization,
    Process,
    ProcessGoal,
    Suggestion,
    Unit,
    User,
)
from avvikelse.services import clusters
from avvikelse.services import improvement as effort_service

from .. import factories
from ..services.test_minutes import NOW, approved_minutes, minutes_world

pytestmark = pytest.mark.clock(NOW)

SWEEP_CONFIG = {"WTF_CSRF_ENABLED": True}

ROLES = {
    "anonymous": None,
    "reporter": "staff@test.example",
    "coordinator": "coord.kommun@test.example",
    "group_chair": "chair@test.example",
    "lsvo_secretary": "lsvo.sek@test.example",
    "admin": "admin@test.example",
}

BAD_IDS = ["0", "-1", str(2**31), str(2**63), str(2**64), "abc"]
BAD_QUERY_VALUES = [str(2**63), str(2**31), "abc\x00", "0001-01-01", "9999-12-31"]
# Query parameters the views read besides the filter forms' fields.
QUERY_NAMES = [
    "sida", "grupp", "fore", "category_id", "utkast", "per_page", "version", "ar", "mote",
    "under", "process", "narvarande", "concerned_organization_ids", "q", "next", "avvikelse",
    "kluster", "beslut", "per", "format",
]  # fmt: skip
# Form keys read straight from request.form rather than through a form class.
EXTRA_FORM_NAMES = {"group_id": "int", "next": "text", "save_draft": "text"}
# Just over the request limit (config MAX_CONTENT_LENGTH): refused before anything is parsed.
HUGE = "x" * (1024 * 1024 + 1)

# The model each id in a route points at: the sweep fills the other ids of a route with a real
# one, so the bad value is the only thing wrong with the request.
ID_MODELS = {
    "action_id": Action,
    "assignment_id": Assignment,
    "case_id": Deviation,
    "category_id": Category,
    "client_id": ApiClient,
    "cluster_id": Cluster,
    "coordinator_id": Coordinator,
    "decision_id": Decision,
    "deviation_id": Deviation,
    "draft_id": DeviationDraft,
    "effort_id": ImprovementEffort,
    "goal_id": ProcessGoal,
    "group_id": Group,
    "indicator_id": Indicator,
    "matter_id": Matter,
    "meeting_id": Meeting,
    "membership_id": Membership,
    "minutes_id": Minutes,
    "notification_id": Notification,
    "organization_id": Organization,
    "process_id": Process,
    "report_id": AccessibilityReport,
    "suggestion_id": Suggestion,
    "unit_id": Unit,
    "user_id": User,
}
NON_ID_ARGS = {
    "direction": "upp",
    "item": "deviation:{deviation_id}",
    "key": "okand",  # an identity provider; none is configured here
    "kind": "csv",
    "name": "matris",
    "region_key": "testregion",
    "year": "2026",
}
ARGUMENT = re.compile(r"<(?:[^:>]+:)?([^>]+)>")
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _field_kind(field_class) -> str:
    if issubclass(field_class, DateField | DateTimeLocalField):
        return "date"
    if issubclass(field_class, TimeField):
        return "time"
    if issubclass(field_class, IntegerField | SelectField | SelectMultipleField | RadioField):
        return "int"
    if issubclass(field_class, BooleanField):
        return "bool"
    return "text"


def form_field_kinds() -> dict[str, str]:
    """Every field name of every form class, with the kind of value it parses."""
    kinds = dict(EXTRA_FORM_NAMES)
    for module_info in pkgutil.iter_modules(avvikelse.forms.__path__):
        module = importlib.import_module(f"avvikelse.forms.{module_info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, FlaskForm):
                continue
            for name in dir(cls):
                value = getattr(cls, name, None)
                if isinstance(value, UnboundField) and name != "csrf_token":
                    kinds.setdefault(name, _field_kind(value.field_class))
    return kinds


def bodies(kinds: dict[str, str]) -> dict[str, dict[str, str]]:
    """One form body per bad value: that value in every field of its kind, sane values elsewhere."""
    sane = {
        "text": "Text",
        "date": NOW.date().isoformat(),
        "time": "10:00",
        "int": "1",
        "bool": "y",
    }

    def body(**bad):
        return {name: bad.get(kind, sane[kind]) for name, kind in kinds.items()}

    return {
        "nul": body(text="Text med\x00NUL och \x1b styrtecken"),
        "date_0001": body(date="0001-01-01"),
        "date_9999": body(date="9999-12-31"),
        "int_2^31": body(int=str(2**31)),
        "int_2^63": body(int=str(2**63)),
        "huge": {**body(), "description": HUGE},
    }


def sweep_world():
    """minutes_world plus approved minutes, a process with a goal and an indicator, an effort,
    a cluster, an accessibility report, a draft and a spare user the admin may deactivate."""
    w = minutes_world()
    approved_minutes(w)
    process = Process(region_id=w["region"].id, name="Trygg utskrivning", owner_group=w["lsvo"])
    db.session.add(process)
    db.session.flush()
    db.session.add(ProcessGoal(process=process, text="Alla kommer hem med läkemedelslista."))
    w["deviation"].process_id = process.id
    effort_service.start_effort(
        title="Läkemedelslistan följer med",
        kind=EffortKind.SMALL_ADJUSTMENT,
        owner_group=w["group"],
        deviation=w["deviation"],
        actor=w["chair"],
        now=NOW,
    )
    clusters.create_cluster(
        w["group"],
        name="Utskrivningar",
        description=None,
        deviations=[w["deviation"]],
        reason="Samma mönster",
        actor=w["chair"],
        now=NOW,
    )
    db.session.add(AccessibilityReport(created_at=NOW, page="/", description="Kontrasten är låg."))
    db.session.add(
        DeviationDraft(
            user_id=w["staff"].id, created_at=NOW, updated_at=NOW, title="Utkast", data={}
        )
    )
    factories.create_user(w["kommun"], "spare@test.example")
    db.session.flush()


def real_ids() -> dict[str, int]:
    """The first row of each model; the spare user for user ids, so no role deactivates itself."""
    ids = {}
    for arg, model in ID_MODELS.items():
        ids[arg] = db.session.scalar(db.select(model.id).order_by(model.id)) or 1
    ids["user_id"] = db.session.scalar(db.select(User.id).where(User.email == "spare@test.example"))
    return ids


def fill(rule: str, values: dict[str, str]) -> str:
    return ARGUMENT.sub(lambda m: values[m.group(1)], rule)


def csrf_token(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def log_in(client, email):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, email


@pytest.mark.parametrize("app", [SWEEP_CONFIG], indirect=True)
@pytest.mark.parametrize("role", list(ROLES))
def test_no_route_answers_5xx_to_bad_input(app, client, role):
    with app.app_context():
        sweep_world()
        db.session.commit()
        ids = real_ids()
    valid = {arg: str(value) for arg, value in ids.items()}
    valid.update({arg: value.format(**ids) for arg, value in NON_ID_ARGS.items()})
    kinds = form_field_kinds()
    posts = bodies(kinds)
    query_names = sorted(set(QUERY_NAMES) | set(kinds))
    reads_query = []

    @app.after_request
    def note_query_read(response):
        """Whether the view parsed the query string (Request.args is cached once read): a route
        that never reads it gets the first bad query value only."""
        reads_query.append("args" in request._get_current_object().__dict__)
        return response

    if ROLES[role]:
        log_in(client, ROLES[role])
        token = csrf_token(client, "/")
    else:
        token = csrf_token(client, "/login")

    tried: Counter = Counter()
    failures = []

    def attempt(method, path, label, **kwargs):
        tried[label] += 1
        try:
            response = client.open(path, method=method, **kwargs)
        except Exception as error:  # noqa: BLE001 - an exception is the 500 being looked for
            failures.append(f"{method} {path[:120]!r} [{label}]: {type(error).__name__}: {error}")
            return
        if response.status_code >= 500:
            failures.append(f"{method} {path[:120]!r} [{label}]: {response.status_code}")

    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in ("static", "auth.logout")),
        key=lambda r: r.rule,
    )
    for rule in rules:
        method = "GET" if "GET" in rule.methods else "POST"
        data = {"csrf_token": token} if method == "POST" else None
        for arg in rule.arguments:
            for bad in BAD_IDS if arg in ID_MODELS else [f"proposal:{b}" for b in BAD_IDS]:
                if arg == "direction":
                    continue
                path = fill(rule.rule, {**valid, arg: bad})
                attempt(method, path, f"id {bad}", data=data)
        path = fill(rule.rule, valid)
        if "GET" in rule.methods:
            for bad in BAD_QUERY_VALUES:
                reads_query.clear()
                query = {name: bad for name in query_names}
                attempt("GET", path, f"query {bad!r}", query_string=query)
                if not any(reads_query):
                    break
        if "POST" in rule.methods:
            for label, body in posts.items():
                attempt("POST", path, f"form {label}", data={**body, "csrf_token": token})

    total = sum(tried.values())
    print(f"\n{role}: {len(rules)} routes, {total} requests, {len(failures)} 5xx")
    assert not failures, "\n".join(failures[:60])
