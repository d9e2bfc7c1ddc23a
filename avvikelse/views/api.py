"""JSON API v1 (issue 16): other systems report, read, answer and comment as an API client.

flask-smorest writes the OpenAPI 3.1 document (/api/v1/openapi.json) from the routes and the
marshmallow schemas below; it works with a plain Flask app and our factory (APIFlask wants its
own app class), and apispec emits 3.1. Its catch-all HTTPException handler is left out: the web
keeps its Swedish error pages and the API answers RFC 9457 problem+json (views/errors.py).

Every call authenticates with `Authorization: Bearer <token>`, is counted against the client's
rate limit and written to the audit log as the client's service account. Input goes through
the same report form and services as on the web, so there is no second set of rules. CSRF does
not apply here: nothing in the API reads the session cookie, so a browser's cookies cannot
act through it.
"""

import hashlib
import json
import uuid

from flask import Blueprint, current_app, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from ..db import MAX_ID, db
from ..extensions import csrf
from ..forms.deviation import ReportForm
from ..models import ApiScope, ConcernedOrganization, Deviation, Organization
from ..permissions import get_deviation_or_404
from ..services import dates
from ..services.api_clients import authenticate, client_cases, count_request
from ..services.audit import log_access, log_reads
from ..services.case_lists import Cursor
from ..services.case_page import categories, region_groups, region_organizations
from ..services.dates import local_today
from ..services.deviations import add_comment, find_by_token, pass_on, submit_answer
from ..services.errors import WorkflowError
from ..services.personal_data import PersonalDataError
from ..services.reporting import PersonalDataWarning, report_options, submit_report
from .api_schemas import (
    AnswerInSchema,
    CategorySchema,
    CommentInSchema,
    DeviationPageSchema,
    DeviationSchema,
    GroupSchema,
    ListArgsSchema,
    OrganizationSchema,
    PassOnInSchema,
    ProblemSchema,
    ReportInSchema,
)
from .params import IdConverter

PREFIX = "/api/v1"
PROBLEM = "application/problem+json"

PROBLEM_TITLES = {
    400: _l("Felaktig begäran"),
    401: _l("Ogiltig eller saknad API-nyckel"),
    403: _l("Klienten saknar behörighet för det här"),
    404: _l("Finns inte"),
    405: _l("Metoden stöds inte här"),
    409: _l("Konflikt"),
    413: _l("Begäran är för stor"),
    415: _l("Skicka JSON"),
    422: _l("Uppgifterna kunde inte tas emot"),
    429: _l("För många anrop"),
    500: _l("Något gick fel hos oss"),
}


class Problem(Exception):
    """An RFC 9457 answer; raised anywhere in an API request, rendered by views/errors.py."""

    def __init__(self, status: int, detail=None, *, headers=None, **extra):
        super().__init__(status)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def problem_response(status: int, detail=None, *, headers=None, **extra):
    body = {
        "type": "about:blank",
        "title": str(PROBLEM_TITLES.get(status, PROBLEM_TITLES[400])),
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    body.update({k: v for k, v in extra.items() if v})
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM
    )
    response.headers.update(headers or {})
    response.headers["Content-Language"] = str(get_locale())
    return response


class ApiDocument(Api):
    """flask-smorest's Api without its app-wide error handlers (see the module docstring), and
    with problem+json as the documented default error."""

    def _register_error_handlers(self):
        return None

    def _register_responses(self):
        response = {"description": "RFC 9457 problem details", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


SPEC_KWARGS = {
    "info": {
        "description": "Avvikelser i samverkan: rapportera, läsa, svara och kommentera "
        "som API-klient för en organisation. Fel som RFC 9457 problem+json på svenska "
        "eller engelska (Accept-Language)."
    },
    "security": [{"bearerAuth": []}],
}

bp = ApiBlueprint("api", __name__, url_prefix=PREFIX, description="Avvikelse API v1")
reference = Blueprint("api_reference", __name__, url_prefix=PREFIX)
csrf.exempt(bp)

ERRORS = (400, 401, 403, 404, 422, 429)


def documented_errors(*statuses):
    """Each error status of an operation as problem+json in the document."""

    def decorate(view):
        for status in statuses:
            view = bp.alt_response(status, schema=ProblemSchema, content_type=PROBLEM)(view)
        return view

    return decorate


# --- Authentication, scope, rate limit ------------------------------------------------------


@bp.before_request
def authenticate_client():
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    client = authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if client is None:
        raise Problem(401, headers={"WWW-Authenticate": 'Bearer realm="avvikelse"'})
    allowed, retry_after = count_request(
        client, now=dates.now(), limit=current_app.config["API_RATE_LIMIT_PER_MINUTE"]
    )
    db.session.commit()  # the count holds even if the call itself fails
    if not allowed:
        raise Problem(429, headers={"Retry-After": str(retry_after)})
    g.api_client = client


def client_with(scope: ApiScope):
    client = g.api_client
    if scope not in client.scope_set:
        raise Problem(403, _("Klienten saknar behörigheten %(scope)s.", scope=scope.value))
    return client


def load_case(deviation_id: int, client, action: str) -> Deviation:
    return get_deviation_or_404(
        deviation_id,
        client.user,
        now=dates.now(),
        action=action,
        options=(
            selectinload(Deviation.concerned).joinedload(ConcernedOrganization.organization),
            selectinload(Deviation.answers),
            selectinload(Deviation.events),
        ),
    )


# --- Serialisation --------------------------------------------------------------------------


def summary(deviation: Deviation) -> dict:
    return {
        "id": deviation.id,
        "number": deviation.number,
        "state": deviation.state.value,
        "title": deviation.title,
        "target_group": deviation.target_group.value,
        "category_id": deviation.category_id,
        "group_id": deviation.group_id,
        "reporter_organization_id": deviation.reporter_organization_id,
        "submitted_at": deviation.submitted_at,
        "updated_at": deviation.updated_at,
        "answer_due_on": deviation.answer_due_on,
        "concerned": [
            {
                "organization_id": c.organization_id,
                "organization": c.organization.name,
                "status": c.status.value,
                "answer_due_on": c.answer_due_on,
            }
            for c in deviation.concerned
        ],
    }


def detail(deviation: Deviation) -> dict:
    """The case as its concerned organization's coordinator reads it; the reporter's name is
    the reporting organization's alone and is not given (permissions.can_see_reporter)."""
    data = summary(deviation)
    data.update(
        description=deviation.description,
        occurred_on=deviation.occurred_on,
        discovered_on=deviation.discovered_on,
        probability=deviation.probability,
        consequence=deviation.consequence,
        risk_score=deviation.risk_score,
        immediate_action=deviation.immediate_action,
        proposal=deviation.proposal,
        possible_serious=deviation.possible_serious,
        decision=deviation.decision,
        closing_summary=deviation.closing_summary,
        answers=[
            {
                "organization_id": a.organization_id,
                "created_at": a.created_at,
                "what_happened": a.what_happened,
                "cause": a.cause,
                "measures": a.measures,
            }
            for a in deviation.answers
        ],
        timeline=[
            {
                "created_at": e.created_at,
                "kind": e.kind.value,
                "actor_organization_id": e.actor_organization_id,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "message": e.message,
            }
            for e in deviation.events
        ],
    )
    return data


# --- Reporting ------------------------------------------------------------------------------


def report_formdata(data: dict) -> MultiDict:
    """The JSON body as the report form's fields, so the form validates it as on the web."""
    pairs = []
    for name, value in data.items():
        if name == "acknowledge_warnings" or value is None:
            continue
        if isinstance(value, bool):
            if value:
                pairs.append((name, "y"))
        elif isinstance(value, list):
            pairs.extend((name, str(v)) for v in value)
        elif hasattr(value, "strftime") and hasattr(value, "hour") and not hasattr(value, "day"):
            pairs.append((name, value.strftime("%H:%M")))
        elif hasattr(value, "isoformat"):
            pairs.append((name, value.isoformat()))
        else:
            pairs.append((name, str(value)))
    return MultiDict(pairs)


def submission_token(client) -> str:
    """The Idempotency-Key, per client, as the case's submission token: the same key twice
    finds the case the first call made, as a form sent twice does."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return uuid.uuid4().hex
    if not (1 <= len(key) <= 200 and key.isascii() and key.isprintable()):
        raise Problem(400, _("Idempotency-Key ska vara 1–200 synliga ASCII-tecken."))
    digest = hashlib.sha256(f"{client.id}:{key}".encode()).hexdigest()
    return "api-" + digest[:56]


def field_errors(errors: dict) -> dict:
    return {(name or "_form"): [str(m) for m in messages] for name, messages in errors.items()}


@bp.route("/deviations", methods=["POST"])
@bp.arguments(ReportInSchema)
@bp.response(201, DeviationSchema, description="The case was created")
@bp.alt_response(200, schema=DeviationSchema, description="The Idempotency-Key made it before")
@bp.doc(
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": "The same key twice returns the case the first call made",
        }
    ]
)
@documented_errors(*ERRORS)
def submit(data):
    """Report a deviation (scope report), checked as the web form checks it."""
    client = client_with(ApiScope.REPORT)
    now = dates.now()
    actor = client.user
    token = submission_token(client)
    existing = find_by_token(token)
    if existing is not None:
        deviation = load_case(existing.id, client, "view")
        db.session.commit()  # the read is logged
        return detail(deviation), 200
    form = ReportForm(
        formdata=report_formdata(data),
        options=report_options(actor),
        today=local_today(now),
        meta={"csrf": False},
    )
    if not form.validate():
        raise Problem(422, errors=field_errors(form.errors))
    report = form.to_report()
    report.submission_token = token
    try:
        deviation = submit_report(
            report, actor=actor, now=now, warnings_seen=data["acknowledge_warnings"]
        )
        log_access(actor, "api_report", now=now, deviation=deviation, detail="api")
        db.session.commit()
    except PersonalDataWarning as warning:
        db.session.rollback()
        raise Problem(
            422,
            str(warning) + " " + _("Skicka igen med acknowledge_warnings: true."),
            warnings=warning.field_messages(),
        ) from None
    except PersonalDataError as error:
        db.session.rollback()
        raise Problem(422, errors=error.field_messages()) from None
    except WorkflowError as error:
        db.session.rollback()
        raise Problem(422, str(error)) from None
    except IntegrityError:
        db.session.rollback()  # the same key at the same moment: the first call won
        deviation = find_by_token(token)
        if deviation is None:
            raise
        deviation = load_case(deviation.id, client, "view")
        db.session.commit()
        return detail(deviation), 200
    return detail(deviation)


# --- Reading --------------------------------------------------------------------------------


@bp.route("/deviations", methods=["GET"])
@bp.arguments(ListArgsSchema, location="query")
@bp.response(200, DeviationPageSchema)
@documented_errors(*ERRORS)
def list_cases(args):
    """The cases the client's organization sees, oldest change first (scope read).

    Start with changed_since (the last sync), then follow next_cursor until it is null."""
    client = client_with(ApiScope.READ)
    after = None
    if args.get("cursor"):
        after = Cursor.decode(args["cursor"])
        if after is None:
            raise Problem(400, _("Ogiltig cursor."))
    rows, next_cursor = client_cases(
        client, changed_since=args.get("changed_since"), after=after, limit=args["limit"]
    )
    now = dates.now()
    log_access(client.user, "api_list", now=now, detail="api")
    log_reads(client.user, "read_api_list", [d.id for d in rows], now=now, detail="api")
    db.session.commit()
    return {
        "items": [summary(d) for d in rows],
        "next_cursor": next_cursor.encode() if next_cursor else None,
    }


@bp.route("/deviations/<id:deviation_id>", methods=["GET"])
@bp.response(200, DeviationSchema)
@documented_errors(*ERRORS)
def read_case(deviation_id: int):
    """One case with its answers and timeline (scope read)."""
    client = client_with(ApiScope.READ)
    deviation = load_case(deviation_id, client, "view")
    db.session.commit()  # the read is logged (DESIGN §10)
    return detail(deviation)


# --- Answering ------------------------------------------------------------------------------


def _workflow(step, client, deviation_id: int, action: str):
    """Run one service step on a visible case; refusals answer 422 with the service's words."""
    deviation = load_case(deviation_id, client, action)
    try:
        step(deviation)
        db.session.commit()
    except PersonalDataError as error:
        db.session.rollback()
        raise Problem(422, errors=error.field_messages()) from None
    except WorkflowError as error:
        db.session.rollback()
        raise Problem(422, str(error)) from None
    return detail(deviation)


@bp.route("/deviations/<id:deviation_id>/answers", methods=["POST"])
@bp.arguments(AnswerInSchema)
@bp.response(201, DeviationSchema)
@documented_errors(*ERRORS)
def answer(data, deviation_id: int):
    """The organization's answer to a case that awaits it (scope answer)."""
    client = client_with(ApiScope.ANSWER)
    return _workflow(
        lambda deviation: submit_answer(
            deviation,
            client.organization_id,
            what_happened=data["what_happened"],
            cause=data.get("cause"),
            measures=data.get("measures"),
            actor=client.user,
            now=dates.now(),
        ),
        client,
        deviation_id,
        "answer",
    )


@bp.route("/deviations/<id:deviation_id>/pass-on", methods=["POST"])
@bp.arguments(PassOnInSchema)
@bp.response(201, DeviationSchema)
@documented_errors(*ERRORS)
def not_ours(data, deviation_id: int):
    """ "Not ours": pass the case on to the organization it concerns (scope answer)."""
    client = client_with(ApiScope.ANSWER)
    target = db.session.get(Organization, data["to_organization_id"])
    if target is None or target.region_id != client.organization.region_id:
        raise Problem(422, errors={"to_organization_id": [_("Välj en organisation i regionen.")]})
    return _workflow(
        lambda deviation: pass_on(
            deviation,
            client.organization_id,
            to_organization=target,
            reason=data["reason"],
            actor=client.user,
            now=dates.now(),
        ),
        client,
        deviation_id,
        "pass_on",
    )


@bp.route("/deviations/<id:deviation_id>/comments", methods=["POST"])
@bp.arguments(CommentInSchema)
@bp.response(201, DeviationSchema)
@documented_errors(*ERRORS)
def comment(data, deviation_id: int):
    """A comment on the case's timeline (scope answer)."""
    client = client_with(ApiScope.ANSWER)
    return _workflow(
        lambda deviation: add_comment(deviation, data["text"], actor=client.user, now=dates.now()),
        client,
        deviation_id,
        "comment",
    )


# --- The region's reference lists -----------------------------------------------------------


def _reference_read(client) -> int:
    log_access(client.user, "api_reference", now=dates.now(), detail=request.path)
    db.session.commit()
    return client.organization.region_id


@bp.route("/categories", methods=["GET"])
@bp.response(200, CategorySchema(many=True))
@documented_errors(401, 429)
def list_categories():
    """The region's categories, retired ones marked (any scope)."""
    region_id = _reference_read(g.api_client)
    return [
        {"id": c.id, "name": c.name, "parent_id": c.parent_id, "retired": c.is_retired}
        for c in categories(region_id)
    ]


@bp.route("/organizations", methods=["GET"])
@bp.response(200, OrganizationSchema(many=True))
@documented_errors(401, 429)
def list_organizations():
    """The region's active organizations (any scope)."""
    region_id = _reference_read(g.api_client)
    return [
        {"id": o.id, "name": o.name, "kind": o.kind.value, "active": o.active}
        for o in region_organizations(region_id)
    ]


@bp.route("/groups", methods=["GET"])
@bp.response(200, GroupSchema(many=True))
@documented_errors(401, 429)
def list_groups():
    """The region's active groups (any scope)."""
    region_id = _reference_read(g.api_client)
    return [
        {
            "id": x.id,
            "name": x.name,
            "level": x.level.value,
            "target_group": x.target_group.value if x.target_group else None,
            "active": x.active,
        }
        for x in region_groups(region_id)
    ]


# --- The readable reference page ------------------------------------------------------------


@reference.route("/docs")
def docs():
    """The OpenAPI document as a plain page: no viewer script to vendor, nothing inline."""
    document = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return render_template("api/docs.html", spec=document.spec.to_dict())


def init_api(app) -> None:
    """One document per app (the factory builds many in tests), flask-smorest's own way."""
    openapi = ApiDocument(app, spec_kwargs=SPEC_KWARGS)
    openapi.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "avv_…"}
    )
    openapi.register_converter(
        IdConverter, lambda _converter: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    )
    openapi.register_blueprint(bp)
    app.register_blueprint(reference)


__all__ = ["init_api", "is_api_request", "problem_response", "Problem"]
