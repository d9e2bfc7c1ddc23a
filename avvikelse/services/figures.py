"""Monthly follow-up figures, kept correct by the transaction that changes a case.

The dashboard of a whole region (an administrator's) would otherwise read every case of the
period several times over: at 10^6 cases that is seconds. Instead each case contributes keys —
its category, target group, risk level, organization pairs, whether it closed with feedback,
each step's lead time rounded as it is shown — to counts per region, Stockholm month of
reporting and group (`MonthlyFigure`), and per organization involved. Flushes note the cases
whose row, events, answers, concerned organizations or feedback they touch; the commit
recomputes those cases' keys once and moves their counts from the keys they had (`CaseFigure`)
to the new ones, inside the transaction it commits: the figures are never behind the cases and
a rollback takes both back. `rebuild` recomputes a region from scratch, for a database that
had cases before this existed and after bulk loads (synthetic data).

Lead times are kept as tenths of days rounded the way `days_text` shows them. Rounding never
reorders values, so a nearest-rank percentile of the rounded values is the rounded percentile
of the exact ones: the figures agree with the per-case computation to the digit shown.
"""

import json
from collections import Counter
from datetime import datetime

from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db import db
from ..models import (
    Answer,
    CaseFigure,
    ConcernedOrganization,
    Deviation,
    DeviationEvent,
    DeviationState,
    EventKind,
    FigureState,
    MonthlyFigure,
    MonthlyOrganizationFigure,
    Notification,
    RiskLevel,
)
from .dates import local_today, month_start

FEEDBACK_KIND = "feedback"

# The steps whose lead times are shown, from which moment to which.
STEPS = (
    ("submitted", "triaged"),
    ("triaged", "answered"),
    ("answered", "decided"),
    ("decided", "closed"),
    ("submitted", "closed"),
)

MOMENTS = ("submitted", "triaged", "answered", "decided", "closed")

# Kinds of key a case contributes; the key's text follows the colon.
CATEGORY = "category"
TARGET_GROUP = "target"
RISK = "risk"
PAIR = "pair"  # reporting organization id, concerned organization id
CLOSED = "closed"  # "all", "feedback" (the reporter was sent it), "declined" (did not want it)
LEAD = "lead"  # step index, tenths of days
ANSWER = "answer"  # organization id, tenths of days from the request to the answer

# Cases recomputed per statement when rebuilding, so memory stays bounded.
BATCH = 2000


def tenths(days: float) -> int:
    """Days in tenths, rounded as shown: one decimal under ten days, whole days from ten."""
    value = round(days * 10)
    return value if value < 100 else round(days) * 10


def days_between(since: datetime | None, until: datetime | None) -> float | None:
    if since is None or until is None or until < since:
        return None
    return (until - since).total_seconds() / 86400


def _first_transition(condition):
    return (
        select(func.min(DeviationEvent.created_at))
        .where(
            DeviationEvent.deviation_id == Deviation.id,
            DeviationEvent.kind == EventKind.TRANSITION,
            condition,
        )
        .scalar_subquery()
    )


def moments_query(base):
    """The moments each case passed each step, selected from `base` (a select of cases):
    the first move out of "submitted" (triage), the last answer, the first move into
    "actions" (decided by the group or LSVO) and closing. The dashboard's live computation
    and the kept figures read the same columns."""
    last_answer = (
        select(func.max(Answer.created_at)).where(Answer.deviation_id == Deviation.id)
    ).scalar_subquery()
    return base.add_columns(
        Deviation.submitted_at,
        _first_transition(DeviationEvent.from_state == DeviationState.SUBMITTED.value),
        last_answer,
        _first_transition(DeviationEvent.to_state == DeviationState.ACTIONS.value),
        Deviation.closed_at,
    )


def step_days(moments) -> list[float | None]:
    """Each step's lead time in days from (submitted, triaged, answered, decided, closed)."""
    names = dict(
        zip(("submitted", "triaged", "answered", "decided", "closed"), moments, strict=True)
    )
    return [days_between(names[since], names[until]) for since, until in STEPS]


def _case_keys(ids: list[int], connection) -> dict[int, tuple]:
    """Each case's region, month, group, keys and the organizations it involves (reporting
    and concerned), computed from what the database holds."""
    sent = (
        select(func.count(Notification.id))
        .where(
            Notification.deviation_id == Deviation.id,
            Notification.kind == FEEDBACK_KIND,
            Notification.user_id == Deviation.reporter_id,
        )
        .scalar_subquery()
    )
    rows = connection.execute(
        moments_query(
            select(
                Deviation.id,
                Deviation.region_id,
                Deviation.group_id,
                Deviation.category_id,
                Deviation.target_group,
                Deviation.risk_score,
                Deviation.reporter_organization_id,
                Deviation.state,
                Deviation.wants_feedback,
                sent,
            ).where(Deviation.id.in_(ids))
        )
    ).all()
    concerned: dict[int, list] = {}
    for deviation_id, organization_id, requested_at in connection.execute(
        select(
            ConcernedOrganization.deviation_id,
            ConcernedOrganization.organization_id,
            ConcernedOrganization.requested_at,
        ).where(ConcernedOrganization.deviation_id.in_(ids))
    ):
        concerned.setdefault(deviation_id, []).append((organization_id, requested_at))
    answers: dict[tuple[int, int], list[datetime]] = {}
    for deviation_id, organization_id, created_at in connection.execute(
        select(Answer.deviation_id, Answer.organization_id, Answer.created_at).where(
            Answer.deviation_id.in_(ids)
        )
    ):
        answers.setdefault((deviation_id, organization_id), []).append(created_at)
    result = {}
    for row in rows:
        (case_id, region_id, group_id, category_id, target_group, risk_score, reporter_org) = row[
            :7
        ]
        state, wants_feedback, feedback_sent = row[7:10]
        keys = [
            f"{CATEGORY}:{category_id}",
            f"{TARGET_GROUP}:{target_group.value}",
            f"{RISK}:{RiskLevel.from_score(risk_score).value}",
        ]
        for organization_id, requested_at in concerned.get(case_id, ()):
            keys.append(f"{PAIR}:{reporter_org}:{organization_id}")
            for answered_at in answers.get((case_id, organization_id), ()):
                days = days_between(requested_at, answered_at)
                if days is not None:
                    keys.append(f"{ANSWER}:{organization_id}:{tenths(days)}")
        if state == DeviationState.CLOSED:
            keys.append(f"{CLOSED}:all")
            if feedback_sent:
                keys.append(f"{CLOSED}:feedback")
            if not wants_feedback:
                keys.append(f"{CLOSED}:declined")
        for index, days in enumerate(step_days(row[10:])):
            if days is not None:
                keys.append(f"{LEAD}:{index}:{tenths(days)}")
        involved = sorted({reporter_org, *(o for o, _ in concerned.get(case_id, ()))})
        result[case_id] = (region_id, month_start(local_today(row[10])), group_id, keys, involved)
    return result


def _insert(connection, table):
    return (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)


def refresh(ids, connection) -> None:
    """Move the cases' counts from the keys they had to the keys they have now."""
    ids = sorted(set(ids))
    if not ids:
        return
    changes: Counter = Counter()
    by_organization: Counter = Counter()
    _move(ids, connection, changes, by_organization)
    _apply(changes, MonthlyFigure.__table__, connection)
    _apply(by_organization, MonthlyOrganizationFigure.__table__, connection)


def _move(ids: list[int], connection, changes: Counter, by_organization: Counter) -> None:
    """Count the cases out of the keys they had and into the keys they have now (in `changes`
    and `by_organization`), and store each case's keys for its next move."""
    old = {
        row.deviation_id: row
        for row in connection.execute(
            select(CaseFigure.__table__).where(CaseFigure.deviation_id.in_(ids))
        )
    }
    new = _case_keys(ids, connection)
    for row in old.values():
        for key in _stored(row.keys):
            changes[(row.region_id, row.month, row.group_id, key)] -= 1
            for organization_id in _stored(row.organizations):
                by_organization[(row.region_id, organization_id, row.month, row.group_id, key)] -= 1
    for region_id, month, group_id, keys, involved in new.values():
        for key in keys:
            changes[(region_id, month, group_id, key)] += 1
            for organization_id in involved:
                by_organization[(region_id, organization_id, month, group_id, key)] += 1
    gone = [i for i in ids if i in old]
    if gone:
        connection.execute(delete(CaseFigure.__table__).where(CaseFigure.deviation_id.in_(gone)))
    if new:
        connection.execute(
            insert(CaseFigure.__table__),
            [
                {
                    "deviation_id": case_id,
                    "region_id": region_id,
                    "month": month,
                    "group_id": group_id,
                    "keys": keys,
                    "organizations": involved,
                }
                for case_id, (region_id, month, group_id, keys, involved) in new.items()
            ],
        )


def _stored(keys) -> list[str]:
    return json.loads(keys) if isinstance(keys, str) else keys


def _apply(changes: Counter, table, connection) -> None:
    """Add the changes to the counts, in key order so concurrent writers lock rows alike.
    A change's key is the table's key columns in order, the last being "kind:key"."""
    names = [column.name for column in table.primary_key.columns]
    rows = []
    for dimensions, change in sorted(changes.items()):
        if change:
            kind, _, rest = dimensions[-1].partition(":")
            values = dict(zip(names, (*dimensions[:-1], kind, rest), strict=True))
            rows.append({**values, "count": change})
    if not rows:
        return
    statement = _insert(connection, table)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(table.primary_key.columns),
            set_={"count": table.c.count + statement.excluded.count},
        ),
        rows,
    )


def rebuild(region_id: int, *, now: datetime) -> int:
    """Recompute a region's figures from its cases; returns the number of cases counted."""
    connection = db.session.connection()
    for table in (MonthlyFigure.__table__, MonthlyOrganizationFigure.__table__):
        connection.execute(delete(table).where(table.c.region_id == region_id))
    connection.execute(delete(CaseFigure.__table__).where(CaseFigure.region_id == region_id))
    counted = 0
    last = 0
    # The region's counts are summed over every batch and written once: written per batch, the
    # same month and key rows were upserted again for each (over half of the time a load of
    # 10^4 cases took on PostgreSQL).
    changes: Counter = Counter()
    by_organization: Counter = Counter()
    while True:
        ids = list(
            connection.scalars(
                select(Deviation.id)
                .where(Deviation.region_id == region_id, Deviation.id > last)
                .order_by(Deviation.id)
                .limit(BATCH)
            )
        )
        if not ids:
            break
        _move(ids, connection, changes, by_organization)
        counted += len(ids)
        last = ids[-1]
    _apply(changes, MonthlyFigure.__table__, connection)
    _apply(by_organization, MonthlyOrganizationFigure.__table__, connection)
    state = db.session.get(FigureState, region_id)
    if state is None:
        db.session.add(FigureState(region_id=region_id, rebuilt_at=now))
    else:
        state.rebuilt_at = now
    return counted


def trusted(region_id: int) -> bool:
    return db.session.get(FigureState, region_id) is not None


def start_counting(region_id: int) -> None:
    """A region created without cases has complete figures from its first case on."""
    if db.session.get(FigureState, region_id) is None:
        db.session.add(FigureState(region_id=region_id))


# --- Kept by the transaction ------------------------------------------------------------------


def _touched_case(instance) -> int | None:
    if isinstance(instance, Deviation):
        return instance.id
    if isinstance(instance, DeviationEvent | Answer | ConcernedOrganization):
        return instance.deviation_id
    if isinstance(instance, Notification) and instance.kind == FEEDBACK_KIND:
        return instance.deviation_id
    return None


_TOUCHED = "avvikelse.figures.touched"


def keep_figures() -> None:
    """Keep the figures in every session (called by the app factory): flushes note the cases
    they touch, and the commit recomputes them once, inside the transaction it commits."""
    for name, listener in (
        ("after_flush", _note_touched),
        ("before_commit", _refresh_touched),
        ("after_transaction_end", _forget_touched),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _note_touched(session, _context) -> None:
    session.info.setdefault(_TOUCHED, set()).update(
        case_id
        for instance in (*session.new, *session.dirty, *session.deleted)
        if (case_id := _touched_case(instance)) is not None
    )


def _refresh_touched(session) -> None:
    session.flush()
    touched = sorted(session.info.pop(_TOUCHED, ()))
    for start in range(0, len(touched), BATCH):
        refresh(touched[start : start + BATCH], session.connection())


def _forget_touched(session, transaction) -> None:
    """A rolled-back transaction's cases need nothing: their rows are as they were. (Cases
    noted inside a rolled-back savepoint are recomputed at commit all the same, harmlessly.)"""
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)
