"""Organizations (huvudmän/parter) and their units (DESIGN §2)."""

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db, enum_column


class OrganizationKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    REGION = "region"
    PRIVATE_PROVIDER = "private_provider"
    OTHER = "other"

    @property
    def title(self) -> str:
        return {
            OrganizationKind.MUNICIPALITY: _l("Kommun"),
            OrganizationKind.REGION: _l("Region"),
            OrganizationKind.PRIVATE_PROVIDER: _l("Privat vårdgivare"),
            OrganizationKind.OTHER: _l("Gemensam nämnd / annan"),
        }[self]


class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The edit form carries it, so that a stale edit is refused (services/errors.py bump_version).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind")
    )
    is_party: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)

    region = relationship("Region")
    units = relationship("Unit", back_populates="organization", order_by="Unit.name")

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


class Unit(db.Model):
    """A förvaltning, verksamhet or enhet; the tree lets a report say where it happened."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("organization_id", "parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The edit form carries it, so that a stale edit is refused (services/errors.py bump_version).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)

    organization = relationship("Organization", back_populates="units")
    parent = relationship("Unit", remote_side=[id], back_populates="children")
    children = relationship("Unit", back_populates="parent", order_by="Unit.name")

    @property
    def path(self) -> str:
        names, unit = [], self
        while unit is not None:
            names.append(unit.name)
            unit = unit.parent
        return " › ".join(reversed(names))

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name!r}>"


class Coordinator(db.Model):
    """Avvikelsesamordnare: answers deviations for an organization; a user may hold several."""

    __tablename__ = "coordinators"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)

    user = relationship("User", back_populates="coordinator_roles")
    organization = relationship("Organization")
