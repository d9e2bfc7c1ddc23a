"""The follow-up figures kept per month (issue 13): what the dashboard reads at 10^6 cases.

`MonthlyFigure` counts, per region, Stockholm month of reporting and group, how many cases carry
each key (a category, a target group, a risk level, an organization pair, a lead time rounded
as it is shown, ...); `MonthlyOrganizationFigure` the same per organization involved.
`CaseFigure` remembers the keys and organizations each case last contributed, so a change to a
case moves its counts from the old keys to the new ones in the same transaction
(services/figures.py).
"""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db


class MonthlyFigure(db.Model):
    __tablename__ = "monthly_figures"
    # SQLite keeps the rows in key order, so a region's months are read in one range.
    __table_args__ = {"sqlite_with_rowid": False}

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class MonthlyOrganizationFigure(db.Model):
    """The same counts per organization a case involves (reporting or concerned): what a
    coordinator sees, and the organization filter."""

    __tablename__ = "monthly_organization_figures"
    __table_args__ = {"sqlite_with_rowid": False}

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class CaseFigure(db.Model):
    __tablename__ = "case_figures"
    __table_args__ = (Index("ix_case_figures_region", "region_id"),)

    deviation_id: Mapped[int] = mapped_column(ForeignKey("deviations.id"), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    month: Mapped[date] = mapped_column(Date)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    keys: Mapped[list] = mapped_column(JSON)
    organizations: Mapped[list] = mapped_column(JSON)


class FigureState(db.Model):
    """Since when a region's monthly figures are complete: the dashboard trusts them only then
    (a database upgraded with cases in it needs `avvikelse figures rebuild` first)."""

    __tablename__ = "figure_states"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    # None: counted from the region's first case on; else when `rebuild` last counted it.
    rebuilt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
