"""API clients: another system (Synergi, MedControl, ...) speaking for one organization.

A client acts through its own service account (a `User` without a password, that cannot log
in), so that cases it reports, answers, comments and the audit log name it exactly like a
person, and every existing service and policy applies to it unchanged.
"""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db


class ApiScope(enum.StrEnum):
    REPORT = "report"
    READ = "read"
    ANSWER = "answer"

    @property
    def title(self) -> str:
        return str(
            {
                ApiScope.REPORT: _l("Rapportera avvikelser"),
                ApiScope.READ: _l("Läsa organisationens ärenden"),
                ApiScope.ANSWER: _l("Svara och kommentera för organisationen"),
            }[self]
        )


class ApiClient(db.Model):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    # Space-separated ApiScope values, as in OAuth's scope parameter.
    scopes: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the token: the token is random and long, so a slow hash buys nothing, and a
    # look-up by hash keeps every request to one indexed query.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown to the administrator to tell tokens apart.
    token_hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization = relationship("Organization")
    user = relationship("User", foreign_keys=[user_id], back_populates="api_client")
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def scope_set(self) -> frozenset[ApiScope]:
        return frozenset(ApiScope(s) for s in self.scopes.split())

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiClient {self.id} {self.name!r} org={self.organization_id}>"


class ApiRateWindow(db.Model):
    """Requests per client and minute, counted in the database so that every worker sees the
    same count (see services/api_clients.py for why not Flask-Limiter)."""

    __tablename__ = "api_rate_windows"

    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
