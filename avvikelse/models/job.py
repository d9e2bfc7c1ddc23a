"""Scheduled jobs: the leader lease and a row per run for the administrators' page (DESIGN §9)."""

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db


class SchedulerLease(db.Model):
    """Who leads the schedulers. On SQLite this row is the lock itself (taken over when it has
    expired); on PostgreSQL an advisory lock decides and the holder only writes its name here
    so the administrators' page can show it."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SchedulerLease {self.name!r} holder={self.holder!r}>"


class JobRun(db.Model):
    """One run of a job, by the scheduler or by hand: what it did, or why it failed."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    runner: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<JobRun {self.id} {self.job!r} ok={self.ok}>"
