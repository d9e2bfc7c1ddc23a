"""Callable factories (Indico style). They flush, never commit; dates count from the app's
clock, which tests freeze (conftest.clock)."""

import uuid
from datetime import timedelta

from avvikelse.extensions import db
from avvikelse.models import (
    ActionStatus,
    Category,
    Coordinator,
    Group,
    GroupLevel,
    Membership,
    MembershipRole,
    Organization,
    OrganizationKind,
    Region,
    TargetGroup,
    Unit,
)
from avvikelse.services import dates
from avvikelse.services import deviations as workflow
from avvikelse.services.accounts import create_user as _create_user
from avvikelse.services.dates import local_today
from avvikelse.services.deviations import Report, submit_deviation

PASSWORD = "ett-langt-losenord"  # noqa: S105


def create_region(key="testregion", name="Testregionen"):
    region = Region(key=key, name=name)
    db.session.add(region)
    db.session.flush()
    return region


def create_organization(region, name, kind=OrganizationKind.MUNICIPALITY, is_party=True):
    organization = Organization(region=region, name=name, kind=kind, is_party=is_party)
    db.session.add(organization)
    db.session.flush()
    return organization


def create_unit(organization, name, parent=None):
    unit = Unit(organization=organization, name=name, parent=parent)
    db.session.add(unit)
    db.session.flush()
    return unit


def create_user(organization, email, name=None, password=PASSWORD, **kwargs):
    return _create_user(
        name=name or email.split("@")[0].replace(".", " ").title(),
        email=email,
        organization=organization,
        password=password,
        **kwargs,
    )


def create_group(region, name, level=GroupLevel.TACTICAL, **kwargs):
    group = Group(region=region, name=name, level=level, **kwargs)
    db.session.add(group)
    db.session.flush()
    return group


def add_member(group, user, role=MembershipRole.MEMBER, represents=None, counts=None):
    if counts is None:
        counts = role is MembershipRole.MEMBER and represents is not None
    membership = Membership(
        group=group,
        user=user,
        role=role,
        represented_organization=represents,
        counts_for_quorum=counts,
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def create_category(region, name, position=0, parent=None):
    category = Category(region=region, name=name, position=position, parent=parent)
    db.session.add(category)
    db.session.flush()
    return category


def small_world():
    region = create_region()
    kommun = create_organization(region, "Testby kommun")
    regionorg = create_organization(region, "Region Test", kind=OrganizationKind.REGION)
    unit = create_unit(kommun, "Hemtjänst")
    lsvo = create_group(region, "LSVO", level=GroupLevel.STRATEGIC)
    group = create_group(
        region, "Samverkansgrupp Äldre", target_group=TargetGroup.ELDERLY, escalation_parent=lsvo
    )
    admin = create_user(regionorg, "admin@test.example", name="Ada Admin", is_admin=True)
    chair = create_user(regionorg, "chair@test.example", name="Cecilia Chair")
    secretary = create_user(regionorg, "secretary@test.example", name="Sara Sekreterare")
    member = create_user(kommun, "member@test.example", name="Mats Medlem", unit=unit)
    staff = create_user(kommun, "staff@test.example", name="Stina Personal", unit=unit)
    add_member(group, chair, MembershipRole.CHAIR)
    add_member(group, secretary, MembershipRole.SECRETARY)
    add_member(group, member, MembershipRole.MEMBER, represents=kommun)
    create_category(region, "Informationsöverföring", 1)
    return {
        "region": region,
        "kommun": kommun,
        "regionorg": regionorg,
        "unit": unit,
        "lsvo": lsvo,
        "group": group,
        "admin": admin,
        "chair": chair,
        "secretary": secretary,
        "member": member,
        "staff": staff,
    }


def make_coordinator(user, organization):
    role = Coordinator(user=user, organization=organization)
    db.session.add(role)
    db.session.flush()
    return role


def report(concerned, category, token=None, **overrides):
    """A valid report as the form would hand it to the service, of something that happened
    three days before the app's clock."""
    today = local_today(dates.now())
    values = {
        "submission_token": token or uuid.uuid4().hex,
        "concerned_organization_ids": [o.id for o in concerned],
        "target_group": TargetGroup.ELDERLY,
        "category_id": category.id,
        "occurred_on": today - timedelta(days=3),
        "discovered_on": today - timedelta(days=3),
        "title": "Utskrivning utan inskrivningsmeddelande",
        "description": "Patienten kom hem utan att hemsjukvården fått information.",
        "probability": 3,
        "consequence": 3,
    }
    values.update(overrides)
    return Report(**values)


def case_world():
    """small_world plus a coordinator per organization, an LSVO chair and one case submitted
    now by the app's clock."""
    world = small_world()
    kommun_coordinator = create_user(
        world["kommun"], "coord.kommun@test.example", name="Kim Samordnare"
    )
    region_coordinator = create_user(
        world["regionorg"], "coord.region@test.example", name="Rut Samordnare"
    )
    make_coordinator(kommun_coordinator, world["kommun"])
    make_coordinator(region_coordinator, world["regionorg"])
    other = create_organization(world["region"], "Annanby kommun")
    lsvo_chair = create_user(world["regionorg"], "lsvo.chair@test.example", name="Lars Lsvo")
    add_member(world["lsvo"], lsvo_chair, MembershipRole.CHAIR)
    lsvo_member = create_user(world["kommun"], "lsvo.member@test.example", name="Lena Lsvo")
    add_member(world["lsvo"], lsvo_member, MembershipRole.MEMBER, represents=world["kommun"])
    category = db.session.scalar(db.select(Category))
    deviation = submit_deviation(
        report([world["regionorg"]], category), actor=world["staff"], now=dates.now()
    )
    world.update(
        kommun_coordinator=kommun_coordinator,
        region_coordinator=region_coordinator,
        other=other,
        lsvo_chair=lsvo_chair,
        lsvo_member=lsvo_member,
        category=category,
        deviation=deviation,
    )
    return world


def follow_up_world():
    """case_world plus four cases with known step times, for the dashboard (issue 13).

    t0 is 40 days before the clock. Case 2 (A, kommun → region) is closed 10 days after its
    report, case 4 (B, region → kommun, no feedback wanted) 20 days after; case 3 (B, kommun →
    region and Annanby) waits for answers overdue since t0+7; case 5 (A, region → Annanby) is
    only reported, so the kommun's coordinator does not see it.
    """
    world = case_world()
    now = dates.now()
    t0 = now - timedelta(days=40)
    region = world["region"]
    category_b = create_category(region, "Läkemedel", 2)
    nurse = create_user(world["regionorg"], "nurse@test.example", name="Nils Sjuksköterska")
    today0 = local_today(t0)

    def submit(reporter, concerned, category, at, **overrides):
        values = {"occurred_on": today0 - timedelta(days=2), "discovered_on": today0}
        values.update(overrides)
        return submit_deviation(report(concerned, category, **values), actor=reporter, now=at)

    def walk_to_closed(case, answerer, organization, at, closed_after):
        day = timedelta(days=1)
        workflow.request_answers(case, due_on=None, actor=world["secretary"], now=at + day)
        workflow.submit_answer(
            case,
            organization.id,
            what_happened="Meddelandet skickades inte.",
            cause=None,
            measures=None,
            actor=answerer,
            now=at + 3 * day,
        )
        workflow.decide(case, decision="Ny rutin.", actor=world["chair"], now=at + 6 * day)
        action = workflow.add_action(
            case,
            description="Uppdatera rutinen",
            due_on=local_today(at) + 30 * day,
            owner_organization=organization,
            owner_group=None,
            actor=world["secretary"],
            now=at + 6 * day,
        )
        workflow.set_action_status(
            action, ActionStatus.DONE, actor=world["chair"], now=at + 7 * day
        )
        workflow.start_follow_up(case, actor=world["chair"], now=at + 8 * day)
        workflow.close(
            case,
            evaluation="Fungerar.",
            summary="Rutinen är ändrad.",
            actor=world["chair"],
            now=at + closed_after * day,
        )

    case2 = submit(world["staff"], [world["regionorg"]], world["category"], t0)
    walk_to_closed(case2, world["region_coordinator"], world["regionorg"], t0, 10)
    case3 = submit(
        world["staff"], [world["regionorg"], world["other"]], category_b, t0 + timedelta(days=2)
    )
    workflow.request_answers(
        case3,
        due_on=local_today(t0) + timedelta(days=7),
        actor=world["secretary"],
        now=t0 + timedelta(days=2, hours=12),
    )
    case4 = submit(nurse, [world["kommun"]], category_b, t0, wants_feedback=False)
    walk_to_closed(case4, world["kommun_coordinator"], world["kommun"], t0, 20)
    case5 = submit(nurse, [world["other"]], world["category"], t0 + timedelta(days=5))
    world.update(
        category_b=category_b, nurse=nurse, case2=case2, case3=case3, case4=case4, case5=case5
    )
    return world
