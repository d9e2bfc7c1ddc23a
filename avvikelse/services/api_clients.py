"""API clients (issue 16): registration, tokens, authentication and the rate limit.

Tokens are shown once and stored as a SHA-256 digest. A client acts through a service account
(models/api_client.py) that has no password, so it can never log in to the web.

The rate limit is a fixed window per client and minute, counted with one UPSERT in the
database. Flask-Limiter was considered: its storage backends (the `limits` package) are memory,
Redis, Memcached and MongoDB, none of them SQL, so with our database alone the limit would hold
per worker only, and requiring Redis for a correct limit would add a service to run.
"""

import hashlib
import secrets
import uuid
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import selectinload

from ..db import db
from ..models import (
    ApiClient,
    ApiRateWindow,
    ApiScope,
    ConcernedOrganization,
    Deviation,
    Organization,
    User,
)
from ..permissions import visible_to_client
from .case_lists import Cursor
from .errors import WorkflowError

TOKEN_PREFIX = "avv_"  # noqa: S105 - the visible prefix of every token, not a secret


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(client: ApiClient) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client.token_hash = hash_token(token)
    client.token_hint = token[:10]
    return token


def register_client(
    *, name: str, organization: Organization, scopes, actor: User, now: datetime
) -> tuple[ApiClient, str]:
    """Create the client and its service account; returns the token, which is not kept."""
    name = (name or "").strip()
    if not name:
        raise WorkflowError(_("Skriv ett namn på klienten."))
    chosen = sorted({ApiScope(s) for s in scopes})
    if not chosen:
        raise WorkflowError(_("Välj minst en behörighet."))
    if organization.region_id != actor.organization.region_id:
        raise WorkflowError(_("Välj en organisation i din region."))
    account = User(
        name=_("API-klient: %(name)s", name=name)[:200],
        # A unique address in the reserved .invalid domain: the account receives no e-mail.
        email=f"api-{uuid.uuid4().hex}@api-klient.invalid",
        organization=organization,
        password_hash=None,
        active=True,
        is_service_account=True,
    )
    client = ApiClient(
        name=name,
        organization=organization,
        user=account,
        scopes=" ".join(s.value for s in chosen),
        created_at=now,
        created_by=actor,
    )
    token = _new_token(client)
    db.session.add_all([account, client])
    db.session.flush()
    return client, token


def rotate_token(client: ApiClient, *, now: datetime) -> str:
    """A new token; the old one stops working at once."""
    if not client.active:
        raise WorkflowError(_("Klienten är återkallad."))
    client.rotated_at = now
    return _new_token(client)


def revoke_client(client: ApiClient, *, now: datetime) -> None:
    """The token stops working and the service account can no longer see anything."""
    if client.revoked_at is None:
        client.revoked_at = now
        client.user.active = False


def clients(region_id: int):
    return (
        select(ApiClient)
        .join(Organization, ApiClient.organization_id == Organization.id)
        .where(Organization.region_id == region_id)
        .order_by(ApiClient.name, ApiClient.id)
    )


def authenticate(token: str | None) -> ApiClient | None:
    """The active client whose token this is, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token)))
    if client is None or not client.active or not client.user.active:
        return None
    return client


def count_request(client: ApiClient, *, now: datetime, limit: int) -> tuple[bool, int]:
    """Count one request in the client's current minute: (allowed, seconds to the next one).

    The increment is a single INSERT .. ON CONFLICT DO UPDATE, so two workers counting at once
    both land; the caller commits it before the request does anything else.
    """
    window = now.replace(second=0, microsecond=0)
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(ApiRateWindow).values(client_id=client.id, window_start=window, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=["client_id", "window_start"],
        set_={"hits": ApiRateWindow.hits + 1},
    ).returning(ApiRateWindow.hits)
    hits = db.session.execute(statement).scalar_one()
    if hits == 1:  # a new minute: the client's older windows are no longer needed
        db.session.execute(
            delete(ApiRateWindow).where(
                ApiRateWindow.client_id == client.id, ApiRateWindow.window_start < window
            )
        )
    client.last_used_at = now
    retry_after = 60 - now.second
    return hits <= limit, retry_after


def client_cases(
    client: ApiClient, *, changed_since: datetime | None, after: Cursor | None, limit: int
) -> tuple[list[Deviation], Cursor | None]:
    """The client's visible cases, oldest change first, `limit` at a time (keyset on
    (updated_at, id)), so that a system can sync: start from the time of its last sync, follow
    next_cursor to the end, and keep the last case's updated_at for next time."""
    query = visible_to_client(client).options(
        selectinload(Deviation.concerned).joinedload(ConcernedOrganization.organization)
    )
    if after is not None:
        query = query.where(
            or_(
                Deviation.updated_at > after.at,
                and_(Deviation.updated_at == after.at, Deviation.id > after.id),
            )
        )
    elif changed_since is not None:
        query = query.where(Deviation.updated_at > changed_since)
    rows = list(
        db.session.scalars(query.order_by(Deviation.updated_at, Deviation.id).limit(limit + 1))
    )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, Cursor(rows[-1].updated_at, rows[-1].id)
