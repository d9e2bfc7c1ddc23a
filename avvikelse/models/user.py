"""Accounts. Failed log-ins are counted on the row so every worker sees the same count."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The edit form carries it, so that a stale edit is refused (services/errors.py bump_version).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # An API client's account (models/api_client.py): no password, no e-mail, no log-in.
    is_service_account: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(10), default="sv")
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of the id the session cookie carries: raising it (log-out, new password, deactivation)
    # makes every cookie issued before refer to no one, even one copied elsewhere.
    session_generation: Mapped[int] = mapped_column(default=0)

    organization = relationship("Organization")
    unit = relationship("Unit")
    memberships = relationship("Membership", back_populates="user")
    coordinator_roles = relationship("Coordinator", back_populates="user")
    linked_identities = relationship("LinkedIdentity", back_populates="user")
    # Set for an API client's service account (models/api_client.py), None for a person.
    api_client = relationship(
        "ApiClient", foreign_keys="ApiClient.user_id", back_populates="user", uselist=False
    )

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Flask-Login's "alternative token": the user loader accepts it only while the
        generation is the current one (extensions.load_user)."""
        return f"{self.id}:{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"


class LoginThrottle(db.Model):
    """Failed log-ins for e-mail addresses that have no account, counted like an account's, so
    that the lock-out answer does not tell which addresses exist. The address is kept only as a
    keyed digest (services.accounts.email_digest): the table does not list what people typed."""

    __tablename__ = "login_throttles"

    email_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.email_digest[:8]} {self.failed_logins}>"


class LinkedIdentity(db.Model):
    """An account at an identity provider linked to this account by single sign-on. The first
    log-in links by verified e-mail; later ones find the account by issuer and subject, the
    identifier OpenID Connect promises is stable, so a changed e-mail address at the provider
    neither breaks the link nor moves it to whoever gets the old address."""

    __tablename__ = "linked_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user = relationship("User", back_populates="linked_identities")

    def __repr__(self) -> str:
        return f"<LinkedIdentity {self.id} user={self.user_id} {self.provider!r}>"
