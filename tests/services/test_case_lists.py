"""The read-only lists behind Ärenden, the inboxes, "Väntar på dig" and the audit log.

Every list is built on visible_deviations, pages by keyset without skipping or repeating, and
loads what a row shows up front (anything else raises).
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import InvalidRequestError

from avvikelse.extensions import db
from avvikelse.models import (
    DeviationState,
    MembershipRole,
    OrganizationKind,
    RiskLevel,
    TargetGroup,
)
from avvikelse.services import case_lists
from avvikelse.services import deviations as workflow
from avvikelse.services.audit import log_access
from avvikelse.services.case_lists import CaseFilters, Cursor

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)
TODAY = date(2026, 11, 23)


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.case_world()
        world["outsider"] = factories.create_user(world["other"], "outsider@test.example")
        yield world


def submit(w, *, now=NOW, concerned=None, actor=None, **overrides):
    return workflow.submit_deviation(
        factories.report(
            concerned or [w["regionorg"]], overrides.pop("category", w["category"]), **overrides
        ),
        actor=actor or w["staff"],
        now=now,
    )


def request_answers(w, deviation, due_on, now=NOW):
    workflow.request_answers(deviation, due_on=due_on, actor=w["chair"], now=now)


def rows(user, filters=None, **kwargs):
    return case_lists.case_page(user, filters or CaseFilters(), **kwargs).rows


# --- Visibility ---------------------------------------------------------------------------------


def test_lists_show_only_what_the_user_may_see(w):
    case = w["deviation"]
    for name in ("admin", "chair", "secretary", "member", "staff", "region_coordinator"):
        assert rows(w[name]) == [case], name
    assert rows(w["outsider"]) == []
    assert case_lists.count_cases(w["outsider"], CaseFilters()) == 0
    assert case_lists.coordinator_inbox(w["outsider"], today=TODAY).organizations == []
    assert case_lists.inbox_groups(w["outsider"]) == []
    assert case_lists.waiting_for(w["outsider"], today=TODAY) == []


def test_a_coordinator_of_an_unconcerned_organization_sees_nothing(w):
    factories.make_coordinator(w["outsider"], w["other"])
    db.session.expire(w["outsider"])
    assert rows(w["outsider"]) == []
    inbox = case_lists.coordinator_inbox(w["outsider"], today=TODAY)
    assert [o.name for o in inbox.organizations] == ["Annanby kommun"]
    assert (inbox.awaiting, inbox.serious, inbox.recent) == ([], [], [])


# --- Filters ------------------------------------------------------------------------------------


def test_filters(w):
    region = w["region"]
    other_category = factories.create_category(region, "Läkemedel", 2)
    sub_category = factories.create_category(region, "Läkemedelslista", 1, parent=other_category)
    other_group = factories.create_group(
        region, "Samverkansgrupp Vuxna", target_group=TargetGroup.ADULTS
    )
    first = w["deviation"]  # regionorg concerned, risk 3×3 = 9 (high), submitted NOW
    low = submit(w, concerned=[w["kommun"]], probability=1, consequence=2, category=sub_category)
    adults = submit(
        w,
        now=NOW - timedelta(days=10),
        concerned=[w["other"]],
        target_group=TargetGroup.ADULTS,
        occurred_on=date(2026, 11, 1),
        discovered_on=date(2026, 11, 1),
        probability=4,
        consequence=4,
    )
    request_answers(w, first, date(2026, 12, 21))
    chair = w["chair"]
    admin = w["admin"]

    def numbers(user=admin, **filters):
        return {d.number for d in rows(user, CaseFilters(**filters))}

    assert numbers(states=frozenset({DeviationState.AWAITING_ANSWERS})) == {first.number}
    assert numbers(states=frozenset({DeviationState.SUBMITTED})) == {low.number, adults.number}
    assert numbers(group_id=other_group.id) == {adults.number}
    assert numbers(category_id=sub_category.id) == {low.number}
    assert numbers(category_id=other_category.id) == {low.number}  # main covers its subs
    assert numbers(category_id=w["category"].id) == {first.number, adults.number}
    # Concerned or reporting: staff of Testby kommun reported all three.
    assert numbers(organization_id=w["kommun"].id) == {first.number, low.number, adults.number}
    assert numbers(organization_id=w["other"].id) == {adults.number}
    assert numbers(organization_id=w["regionorg"].id) == {first.number}
    assert numbers(risk_level=RiskLevel.LOW) == {low.number}
    assert numbers(risk_level=RiskLevel.HIGH) == {first.number}
    assert numbers(risk_level=RiskLevel.VERY_HIGH) == {adults.number}
    assert numbers(submitted_from=date(2026, 11, 20)) == {first.number, low.number}
    assert numbers(submitted_to=date(2026, 11, 13)) == {adults.number}
    assert numbers(submitted_from=date(2026, 11, 13), submitted_to=date(2026, 11, 13)) == {
        adults.number
    }
    # Filters never widen visibility: the chair of the elderly group does not see the adults case.
    assert numbers(chair, organization_id=w["other"].id) == set()
    assert case_lists.count_cases(admin, CaseFilters(organization_id=w["kommun"].id)) == 3


def test_the_period_is_in_local_dates(w):
    # 23:30 UTC on 22 November is 00:30 on 23 November in Stockholm.
    late = submit(w, now=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    on_23rd = {d.id for d in rows(w["admin"], CaseFilters(submitted_from=TODAY))}
    on_22nd = {d.id for d in rows(w["admin"], CaseFilters(submitted_to=date(2026, 11, 22)))}
    assert late.id in on_23rd
    assert late.id not in on_22nd


def test_count_stops_at_the_cap(w):
    for _ in range(3):
        submit(w)
    assert case_lists.count_cases(w["admin"], CaseFilters(), cap=2) == 3  # "fler än 2"
    assert case_lists.count_cases(w["admin"], CaseFilters(), cap=10) == 4


# --- Keyset pages -------------------------------------------------------------------------------


def test_keyset_pages_neither_skip_nor_repeat(w):
    # 12 more cases, in pairs submitted in the same instant: ties are resolved by id.
    for i in range(12):
        submit(w, now=NOW - timedelta(hours=i // 2))
    expected = sorted(
        rows(w["admin"], size=100), key=lambda d: (d.submitted_at, d.id), reverse=True
    )
    assert len(expected) == 13
    seen, fore, pages = [], None, 0
    while True:
        page = case_lists.case_page(w["admin"], CaseFilters(), fore=fore, size=5)
        seen.extend(page.rows)
        pages += 1
        if page.next_cursor is None:
            break
        fore = Cursor.decode(page.next_cursor.encode())  # as it travels in the link
    assert pages == 3
    assert [d.id for d in seen] == [d.id for d in expected]


def test_a_damaged_cursor_starts_from_the_newest():
    assert Cursor.decode("not-a-date,3") is None
    assert Cursor.decode("2026-11-23T09:00:00+00:00,x") is None
    assert Cursor.decode("") is None
    assert Cursor.decode("2026-11-23T10:00:00+01:00,7") == Cursor(NOW, 7)


def test_page_size_is_capped():
    assert case_lists.page_size(None) == 50
    assert case_lists.page_size(5) == 5
    assert case_lists.page_size(1000) == 100
    assert case_lists.page_size(0) == 1


def test_anything_a_row_does_not_show_raises_instead_of_loading(w):
    [row] = rows(w["admin"])
    db.session.expunge_all()  # nothing left in the identity map to borrow from
    [row] = rows(w["admin"])
    assert (row.category.name, row.group.name, row.reporter_organization.name) == (
        "Informationsöverföring",
        "Samverkansgrupp Äldre",
        "Testby kommun",
    )
    assert [c.organization.name for c in row.concerned] == ["Region Test"]
    with pytest.raises(InvalidRequestError):
        _ = row.reporter  # the reporter's name is never on a list
    with pytest.raises(InvalidRequestError):
        _ = row.events
    with pytest.raises(InvalidRequestError):
        _ = row.concerned[0].passed_to
    # What the row points to is shared with the rest of the request and loads as usual.
    assert row.group.region.name == "Testregionen"
    assert [u.name for u in row.reporter_organization.units] == ["Hemtjänst"]


# --- The coordinator's inbox --------------------------------------------------------------------


def test_coordinator_inbox_overdue_first(w):
    coordinator = w["region_coordinator"]
    first = w["deviation"]
    request_answers(w, first, date(2026, 12, 21))
    early = submit(
        w,
        now=NOW - timedelta(days=40),
        occurred_on=date(2026, 10, 1),
        discovered_on=date(2026, 10, 1),
    )
    request_answers(w, early, date(2026, 11, 1), now=NOW - timedelta(days=40))
    middle = submit(
        w,
        now=NOW - timedelta(days=30),
        occurred_on=date(2026, 10, 1),
        discovered_on=date(2026, 10, 1),
    )
    request_answers(w, middle, date(2026, 11, 10), now=NOW - timedelta(days=30))
    not_asked = submit(w)  # still submitted: nothing to answer yet
    inbox = case_lists.coordinator_inbox(coordinator, today=TODAY)
    assert [(a.deviation.number, a.overdue) for a in inbox.awaiting] == [
        (early.number, True),
        (middle.number, True),
        (first.number, False),
    ]
    assert not_asked.number not in {a.deviation.number for a in inbox.awaiting}
    assert inbox.awaiting[0].due_on == date(2026, 11, 1)
    # The kommun's coordinator owes nothing: the region is the concerned organization.
    assert case_lists.coordinator_inbox(w["kommun_coordinator"], today=TODAY).awaiting == []

    workflow.submit_answer(
        early,
        w["regionorg"].id,
        what_happened="Vi missade meddelandet.",
        cause=None,
        measures=None,
        actor=coordinator,
        now=NOW,
    )
    inbox = case_lists.coordinator_inbox(coordinator, today=TODAY)
    assert [a.deviation.number for a in inbox.awaiting] == [middle.number, first.number]
    assert [(d.number, a.organization.name) for d, a in inbox.recent] == [
        (early.number, "Region Test")
    ]


def test_possible_serious_without_decision_is_listed_until_decided(w):
    coordinator = w["region_coordinator"]
    serious = submit(w, possible_serious=True)
    inbox = case_lists.coordinator_inbox(coordinator, today=TODAY)
    assert [d.number for d in inbox.serious] == [serious.number]
    workflow.record_ivo_decision(
        serious,
        w["regionorg"].id,
        reported=False,
        reason="Ingen vårdskada.",
        actor=coordinator,
        now=NOW,
    )
    assert case_lists.coordinator_inbox(coordinator, today=TODAY).serious == []


def test_a_passed_on_case_waits_for_the_new_organization_with_its_own_date(w):
    first = w["deviation"]
    request_answers(w, first, date(2026, 11, 30))
    workflow.pass_on(
        first,
        w["regionorg"].id,
        to_organization=w["kommun"],
        reason="Gäller hemtjänsten.",
        actor=w["region_coordinator"],
        now=NOW,
    )
    [row] = case_lists.coordinator_inbox(w["kommun_coordinator"], today=TODAY).awaiting
    assert row.deviation.id == first.id
    assert row.due_on == TODAY + timedelta(days=w["region"].answer_deadline_days)
    assert case_lists.coordinator_inbox(w["region_coordinator"], today=TODAY).awaiting == []


# --- The group's inbox --------------------------------------------------------------------------


def test_group_inbox_sections(w):
    group, chair = w["group"], w["chair"]
    new = w["deviation"]
    waiting_late = submit(
        w,
        now=NOW - timedelta(days=40),
        occurred_on=date(2026, 10, 1),
        discovered_on=date(2026, 10, 1),
    )
    request_answers(w, waiting_late, date(2026, 11, 1), now=NOW - timedelta(days=40))
    waiting = submit(w)
    request_answers(w, waiting, date(2026, 12, 21))
    ready = submit(w)
    request_answers(w, ready, date(2026, 12, 21))
    workflow.submit_answer(
        ready,
        w["regionorg"].id,
        what_happened="Svar.",
        cause=None,
        measures=None,
        actor=w["region_coordinator"],
        now=NOW,
    )
    acting = submit(w)
    request_answers(w, acting, date(2026, 12, 21))
    workflow.submit_answer(
        acting,
        w["regionorg"].id,
        what_happened="Svar.",
        cause=None,
        measures=None,
        actor=w["region_coordinator"],
        now=NOW,
    )
    workflow.decide(acting, decision="Ny rutin.", actor=chair, now=NOW)
    workflow.add_action(
        acting,
        description="Skriv rutin",
        due_on=TODAY,
        owner_organization=w["kommun"],
        owner_group=None,
        actor=chair,
        now=NOW,
    )
    inbox = case_lists.group_inbox(chair, group, manages=True, today=TODAY + timedelta(days=1))
    assert [d.id for d in inbox.new.cases] == [new.id]
    assert [d.id for d in inbox.awaiting.cases] == [waiting_late.id, waiting.id]
    assert [d.id for d in inbox.preparation.cases] == [ready.id]
    assert [d.id for d in inbox.actions.cases] == [acting.id]
    assert inbox.escalated.cases == []
    assert [a.is_overdue(TODAY + timedelta(days=1)) for a in inbox.actions.cases[0].actions] == [
        True
    ]
    # Marked late: the answers past their date, and the case with its one open action late.
    assert inbox.late == {waiting_late.id, acting.id}
    assert inbox.action_counts == {acting.id: (1, 1)}
    on_time = case_lists.group_inbox(chair, group, manages=True, today=TODAY)
    assert on_time.late == {waiting_late.id}
    assert on_time.action_counts == {acting.id: (1, 0)}

    workflow.start_preparation(waiting_late, actor=chair, now=NOW)
    workflow.hand_over(waiting_late, reason="Återkommande.", actor=chair, now=NOW)
    lsvo = case_lists.group_inbox(w["lsvo_chair"], w["lsvo"], manages=True, today=TODAY)
    assert [d.id for d in lsvo.escalated.cases] == [waiting_late.id]
    # The tactical group still sees that its case waits for LSVO.
    assert [
        d.id
        for d in case_lists.group_inbox(chair, group, manages=True, today=TODAY).escalated.cases
    ] == [waiting_late.id]


def test_a_shared_case_is_in_the_other_groups_inbox(w):
    other_group = factories.create_group(
        w["region"], "Samverkansgrupp Vuxna", target_group=TargetGroup.ADULTS
    )
    other_chair = factories.create_user(w["kommun"], "vuxna@test.example")
    factories.add_member(other_group, other_chair, MembershipRole.CHAIR)
    db.session.expire(other_chair)
    assert (
        case_lists.group_inbox(other_chair, other_group, manages=True, today=TODAY).new.cases == []
    )
    workflow.share_with_group(w["deviation"], other_group, reason="", actor=w["chair"], now=NOW)
    inbox = case_lists.group_inbox(other_chair, other_group, manages=True, today=TODAY)
    assert [d.id for d in inbox.new.cases] == [w["deviation"].id]
    # Marked as shared there ("Delat med gruppen"), not in the group it is routed to.
    assert inbox.shared == {w["deviation"].id}
    assert case_lists.group_inbox(w["chair"], w["group"], manages=True, today=TODAY).shared == set()


def test_inbox_groups_managed_first(w):
    lsvo_member = w["lsvo_member"]
    factories.add_member(w["group"], lsvo_member, MembershipRole.SECRETARY)
    db.session.expire(lsvo_member)
    assert [g.name for g in case_lists.inbox_groups(lsvo_member)] == [
        "Samverkansgrupp Äldre",
        "LSVO",
    ]


# --- Väntar på dig ------------------------------------------------------------------------------


def test_waiting_for_a_coordinator_and_a_chair(w):
    coordinator, chair = w["region_coordinator"], w["chair"]
    assert [(i.kind, i.count) for i in case_lists.waiting_for(chair, today=TODAY)] == [
        ("triage", 1)
    ]
    assert case_lists.waiting_for(coordinator, today=TODAY) == []

    late = submit(
        w,
        now=NOW - timedelta(days=40),
        occurred_on=date(2026, 10, 1),
        discovered_on=date(2026, 10, 1),
    )
    request_answers(w, late, date(2026, 11, 1), now=NOW - timedelta(days=40))
    request_answers(w, w["deviation"], date(2026, 12, 21))
    submit(w, possible_serious=True)
    [answers, serious] = case_lists.waiting_for(coordinator, today=TODAY)
    assert (answers.kind, answers.count, answers.overdue) == ("answers", 2, 1)
    assert [row.deviation.id for row in answers.first] == [late.id, w["deviation"].id]
    assert (serious.kind, serious.count) == ("serious", 1)

    workflow.submit_answer(
        late,
        w["regionorg"].id,
        what_happened="Svar.",
        cause=None,
        measures=None,
        actor=coordinator,
        now=NOW,
    )
    waiting = case_lists.waiting_for(chair, today=TODAY)
    assert [(i.kind, i.count, i.group.name) for i in waiting] == [
        ("triage", 1, "Samverkansgrupp Äldre"),
        ("preparation", 1, "Samverkansgrupp Äldre"),
    ]
    # A member reads the inbox but nothing waits for them.
    assert case_lists.waiting_for(w["member"], today=TODAY) == []


# --- Notifications and audit log ----------------------------------------------------------------


def test_notifications_newest_first_in_keyset_pages(w):
    chair = w["chair"]
    for i in range(4):
        submit(w, now=NOW + timedelta(minutes=i))
    notes = case_lists.notification_page(chair, size=100).rows
    assert len(notes) == 5
    assert [n.created_at for n in notes] == sorted((n.created_at for n in notes), reverse=True)
    first = case_lists.notification_page(chair, size=3)
    second = case_lists.notification_page(chair, fore=first.next_cursor, size=3)
    assert [n.id for n in first.rows + second.rows] == [n.id for n in notes]
    assert second.next_cursor is None
    assert case_lists.own_notification(w["staff"], notes[0].id) is None
    assert case_lists.own_notification(chair, notes[0].id) is notes[0]


def test_audit_page_filters_and_region(w):
    case = w["deviation"]
    log_access(w["admin"], "view", now=NOW - timedelta(days=2), deviation=case)
    log_access(w["chair"], "view", now=NOW - timedelta(days=1), deviation=case)
    log_access(w["chair"], "answer", now=NOW, deviation=case)
    foreign = factories.create_region("annan", "Annan region")
    foreign_org = factories.create_organization(foreign, "Annan kommun", OrganizationKind.REGION)
    stranger = factories.create_user(foreign_org, "annan@annan.example", is_admin=True)
    log_access(stranger, "view", now=NOW)  # another region's person, no case of ours
    region_id = w["region"].id

    def actions(**filters):
        page = case_lists.audit_page(region_id, case_lists.AuditFilters(**filters))
        return [(e.user.email, e.action) for e in page.rows]

    assert actions() == [
        ("chair@test.example", "answer"),
        ("chair@test.example", "view"),
        ("admin@test.example", "view"),
    ]
    assert actions(administrators_only=True) == [("admin@test.example", "view")]
    assert actions(email="ADMIN@") == [("admin@test.example", "view")]
    assert actions(action="answer") == [("chair@test.example", "answer")]
    assert actions(case_number=case.number.lower()) == actions()
    assert actions(case_number="AV-1999-0001") == []
    assert actions(logged_from=TODAY) == [("chair@test.example", "answer")]
    assert actions(logged_to=TODAY - timedelta(days=2)) == [("admin@test.example", "view")]
    # The other region's log has its own person's entry and nothing of ours.
    other = case_lists.audit_page(foreign.id, case_lists.AuditFilters())
    assert [e.user.email for e in other.rows] == ["annan@annan.example"]
