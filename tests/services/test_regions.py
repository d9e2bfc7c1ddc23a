"""Region files: the shipped configurations, idempotent loading, and refusal of broken files."""

import textwrap
from collections import Counter

import pytest
from sqlalchemy import func, select

from avvikelse.extensions import db
from avvikelse.models import (
    Category,
    Group,
    GroupLevel,
    Membership,
    MembershipRole,
    Organization,
    Process,
    Region,
    TargetGroup,
    Unit,
    User,
)
from avvikelse.services.regions import RegionFileError, list_shipped_regions, load_region

from .. import factories

COUNTED_MODELS = (Region, Organization, Unit, User, Group, Membership, Category, Process)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def row_counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in COUNTED_MODELS
    }


def group(region_key: str, short_name: str) -> Group:
    return db.session.scalar(
        select(Group).join(Region).where(Region.key == region_key, Group.short_name == short_name)
    )


def quorum_members_per_organization(group: Group) -> dict[str, int]:
    counted = [m for m in group.memberships if m.counts_for_quorum]
    return dict(Counter(m.represented_organization.name for m in counted))


def roles(group: Group) -> Counter:
    return Counter(m.role for m in group.memberships)


def test_shipped_regions():
    assert list_shipped_regions() == ["blekinge", "jamtland-harjedalen"]


def test_lsvo_has_the_members_of_ledningssystem_6_2(ctx):
    load_region("blekinge")
    lsvo = group("blekinge", "LSVO")

    assert lsvo.level is GroupLevel.STRATEGIC
    assert lsvo.escalation_parent.name == "Regionchefsgrupp"
    assert quorum_members_per_organization(lsvo) == {
        "Karlshamns kommun": 3,
        "Karlskrona kommun": 4,
        "Ronneby kommun": 3,
        "Sölvesborgs kommun": 3,
        "Olofströms kommun": 2,
        "Region Blekinge": 8,
    }
    not_counted = [m for m in lsvo.memberships if not m.counts_for_quorum]
    assert sorted(m.role for m in not_counted) == [MembershipRole.CHAIR, MembershipRole.SECRETARY]
    for membership in not_counted:
        assert membership.user.unit.name == "Enheten för kvalitet och utveckling"


@pytest.mark.parametrize(
    ("short_name", "target_group", "counted"),
    [
        (
            "SG Barn och unga",
            TargetGroup.CHILDREN_YOUTH,
            {
                "Karlshamns kommun": 3,
                "Karlskrona kommun": 3,
                "Ronneby kommun": 2,
                "Olofströms kommun": 2,
                "Sölvesborgs kommun": 2,
                "Region Blekinge": 6,
            },
        ),
        (
            "SG Vuxna",
            TargetGroup.ADULTS,
            {
                "Karlshamns kommun": 2,
                "Karlskrona kommun": 2,
                "Ronneby kommun": 2,
                "Olofströms kommun": 2,
                "Sölvesborgs kommun": 2,
                "Region Blekinge": 4,
            },
        ),
        (
            "SG Äldre",
            TargetGroup.ELDERLY,
            {
                "Karlskrona kommun": 2,
                "Ronneby kommun": 1,
                "Karlshamns kommun": 1,
                "Sölvesborgs kommun": 1,
                "Olofströms kommun": 1,
                "Region Blekinge": 4,
            },
        ),
    ],
)
def test_samverkansgrupper_follow_ledningssystem_6_4(ctx, short_name, target_group, counted):
    load_region("blekinge")
    sg = group("blekinge", short_name)

    assert sg.level is GroupLevel.TACTICAL
    assert sg.target_group is target_group
    assert sg.escalation_parent.short_name == "LSVO"
    assert quorum_members_per_organization(sg) == counted
    assert roles(sg)[MembershipRole.CHAIR] == 1
    assert roles(sg)[MembershipRole.SECRETARY] == 1
    # FoU-strateg, e-hälsostrateg and folkhälsostrateg are support functions.
    assert roles(sg)[MembershipRole.CO_OPTED] == 3
    for membership in sg.memberships:
        if membership.role is not MembershipRole.MEMBER:
            assert not membership.counts_for_quorum


def test_members_from_non_parties_sit_in_aldre_without_counting(ctx):
    load_region("blekinge")
    aldre = group("blekinge", "SG Äldre")

    outside = {
        m.represented_organization.name: m.counts_for_quorum
        for m in aldre.memberships
        if m.represented_organization is not None and not m.represented_organization.is_party
    }
    assert outside == {
        "Privata vårdgivare i Blekinge": False,
        "Samverkansnämnden Blekinge (Hjälpmedelscenter)": False,
    }


def test_a_samverkansgrupp_chair_is_one_person_in_three_groups(ctx):
    load_region("blekinge")
    chair = next(m.user for m in group("blekinge", "SG Äldre").memberships if m.role == "chair")

    places = {m.group.display_name: (m.role, m.counts_for_quorum) for m in chair.memberships}
    assert places == {
        "SG Äldre": (MembershipRole.CHAIR, False),
        "LSVO": (MembershipRole.MEMBER, True),
        "Beredningsgrupp": (MembershipRole.MEMBER, True),
    }


def test_beredningsgrupp_follows_ledningssystem_6_3(ctx):
    """LSVO's chair and secretary, the three samverkansgrupp chairs, and one municipal and one
    regional member of LSVO."""
    load_region("blekinge")
    lsvo_roles = {m.user_id: m.role for m in group("blekinge", "LSVO").memberships}
    beredning = db.session.scalar(select(Group).where(Group.name == "Beredningsgrupp"))

    assert beredning.level is GroupLevel.PREPARATION
    assert sorted(
        (
            m.role,
            lsvo_roles[m.user_id],
            m.represented_organization.kind if m.represented_organization else None,
        )
        for m in beredning.memberships
    ) == sorted(
        [
            (MembershipRole.CHAIR, MembershipRole.CHAIR, None),
            (MembershipRole.SECRETARY, MembershipRole.SECRETARY, None),
            (MembershipRole.MEMBER, MembershipRole.MEMBER, "region"),
            (MembershipRole.MEMBER, MembershipRole.MEMBER, "region"),
            (MembershipRole.MEMBER, MembershipRole.MEMBER, "region"),
            (MembershipRole.MEMBER, MembershipRole.MEMBER, "region"),
            (MembershipRole.MEMBER, MembershipRole.MEMBER, "municipality"),
        ]
    )
    chairs = {
        m.user_id
        for g in db.session.scalars(select(Group).where(Group.level == GroupLevel.TACTICAL))
        for m in g.memberships
        if m.role is MembershipRole.CHAIR
    }
    assert len(chairs) == 3
    assert chairs < {m.user_id for m in beredning.memberships}


def test_categories_and_processes(ctx):
    load_region("blekinge")
    top = db.session.scalars(
        select(Category).where(Category.parent_id.is_(None)).order_by(Category.position)
    ).all()
    assert [c.name for c in top] == [
        "Informationsöverföring",
        "Utskrivning från slutenvård",
        "SIP/individuell plan",
        "Läkemedel",
        "Hjälpmedel",
        "Vårdplanering och uppföljning",
        "Tillgänglighet och kontaktvägar",
        "Överenskommelse/rutin ej följd",
        "Rutin saknas",
        "Annat",
    ]
    assert [c.name for c in top[1].children] == [
        "Inskrivningsmeddelande ej skickat inom 24 timmar",
        "Information vid utskrivning saknas eller ofullständig",
        "Kallelse till SIP ej skickad inom 3 dagar efter utskrivningsklar",
        "Utskrivningsklar utan planering",
    ]
    processes = db.session.scalars(select(Process)).all()
    assert "Trygg och säker utskrivning från slutenvården" in {p.name for p in processes}
    assert {p.owner_group.short_name for p in processes} == {"LSVO"}


def test_people_get_organization_unit_and_lowercase_email(ctx):
    load_region("blekinge")
    nurse = db.session.scalar(select(User).where(User.email == "ida.ekberg@ronneby.example"))

    assert nurse.organization.name == "Ronneby kommun"
    assert nurse.unit.path == "Vård- och omsorgsförvaltningen › Hemsjukvård"
    assert nurse.password_hash is None
    emails = db.session.scalars(select(User.email)).all()
    assert all(email == email.lower() and email.isascii() for email in emails)


def test_loading_twice_changes_nothing(ctx):
    first = load_region("blekinge")
    db.session.commit()
    counts = row_counts()

    second = load_region("blekinge")
    db.session.commit()

    assert first.created["membership"] == counts["Membership"]
    assert not second.created
    assert not second.updated
    assert second.describe() == "Blekinge (blekinge): redan aktuell, inget ändrat."
    assert row_counts() == counts


def test_reloading_restores_file_values_and_keeps_rows_added_in_the_app(ctx):
    load_region("blekinge")
    lsvo = group("blekinge", "LSVO")
    lsvo.short_name = "Ledningsgruppen"
    region = db.session.scalar(select(Region).where(Region.key == "blekinge"))
    region.answer_deadline_days = 14
    extra = factories.create_user(
        lsvo.memberships[0].user.organization, "ny@regionblekinge.example"
    )
    factories.add_member(lsvo, extra, MembershipRole.CO_OPTED)
    db.session.commit()

    summary = load_region("blekinge")
    db.session.commit()

    assert summary.updated == Counter({"region": 1, "group": 1})
    assert not summary.created
    assert group("blekinge", "LSVO").id == lsvo.id
    assert region.answer_deadline_days == 28
    assert extra in [m.user for m in lsvo.memberships]
    assert "Ändrade: region 1, grupper 1." in summary.describe()


def test_jamtland_loads_beside_blekinge(ctx):
    load_region("blekinge")
    before = row_counts()
    summary = load_region("jamtland-harjedalen")

    region = db.session.scalar(select(Region).where(Region.key == "jamtland-harjedalen"))
    organizations = db.session.scalars(
        select(Organization).where(Organization.region_id == region.id)
    ).all()
    assert len(organizations) == 9
    assert {o.name for o in organizations if o.kind == "municipality"} == {
        "Bergs kommun",
        "Bräcke kommun",
        "Härjedalens kommun",
        "Krokoms kommun",
        "Ragunda kommun",
        "Strömsunds kommun",
        "Åre kommun",
        "Östersunds kommun",
    }
    strategic = db.session.scalar(
        select(Group).where(Group.region_id == region.id, Group.level == GroupLevel.STRATEGIC)
    )
    tactical = db.session.scalars(
        select(Group).where(Group.region_id == region.id, Group.level == GroupLevel.TACTICAL)
    ).all()
    assert {g.target_group for g in tactical} == set(TargetGroup)
    assert {g.escalation_parent_id for g in tactical} == {strategic.id}
    assert len(quorum_members_per_organization(strategic)) == 9
    # The same category names live in both regions.
    assert summary.created["category"] == 20
    assert row_counts()["Organization"] == before["Organization"] + 9
    blekinge_orgs = db.session.scalar(
        select(func.count(Organization.id)).join(Region).where(Region.key == "blekinge")
    )
    assert blekinge_orgs == 8


def test_load_region_never_commits(ctx):
    load_region("jamtland-harjedalen")
    db.session.rollback()
    assert row_counts()["Region"] == 0


def test_unknown_name_lists_the_shipped_regions(ctx):
    with pytest.raises(RegionFileError) as refused:
        load_region("gotland")
    assert str(refused.value) == (
        'Okänd region "gotland". Inbyggda regioner: blekinge, jamtland-harjedalen. '
        "Ange annars sökvägen till en .toml-fil."
    )


def test_missing_file_is_named(ctx, tmp_path):
    missing = tmp_path / "saknas.toml"
    with pytest.raises(RegionFileError, match="finns inte") as refused:
        load_region(missing)
    assert str(missing) in str(refused.value)


# --- broken files ---------------------------------------------------------------------------

VALID = textwrap.dedent(
    """\
    [region]
    key = "testlan"
    name = "Testlän"

    [[organizations]]
    key = "kommun"
    name = "Testby kommun"
    kind = "municipality"
    units = [{ name = "Socialförvaltningen", units = [{ name = "Hemtjänst" }] }]

    [[organizations]]
    key = "region"
    name = "Region Test"
    kind = "region"

    [[people]]
    key = "anna"
    name = "Anna Ordförande"
    email = "anna@test.example"
    organization = "region"

    [[people]]
    key = "bo"
    name = "Bo Ledamot"
    email = "bo@test.example"
    organization = "kommun"
    unit = "Socialförvaltningen/Hemtjänst"

    [[groups]]
    key = "sg"
    name = "Testgruppen"
    level = "tactical"
    members = [
      { person = "anna", role = "chair" },
      { person = "bo", represents = "kommun" },
    ]

    [[categories]]
    name = "Informationsöverföring"
    """
)


def write(tmp_path, text: str, name: str = "bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_valid_example_loads(ctx, tmp_path):
    summary = load_region(write(tmp_path, VALID, "testlan.toml"))
    assert summary.created["membership"] == 2
    bo = db.session.scalar(select(Membership).join(User).where(User.email == "bo@test.example"))
    assert bo.counts_for_quorum


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            '{ person = "bo", represents',
            '{ person = "x", represents',
            'groups[1] "Testgruppen" → members[2]: okänd person "x"',
            id="unknown-person",
        ),
        pytest.param(
            'level = "tactical"',
            'level = "tactic"',
            'groups[1] "Testgruppen": okänt värde "tactic" för "level" (tillåtna: political, '
            "executive, strategic, preparation, tactical, operational)",
            id="unknown-enum-value",
        ),
        pytest.param(
            'email = "bo@test.example"',
            'email = "Anna@Test.example"',
            'people[2] "bo": e-postadressen "anna@test.example" finns redan i people[1] "anna"',
            id="duplicate-email",
        ),
        pytest.param(
            'name = "Testby kommun"\n',
            "",
            'organizations[1] "kommun": nyckeln "name" saknas',
            id="missing-required-key",
        ),
        pytest.param(
            'key = "testlan"',
            'key = "testlan',
            "rad 2, kolumn 15: felaktig TOML-syntax (Illegal character",
            id="toml-syntax",
        ),
        pytest.param(
            '{ person = "anna", role = "chair" }',
            '{ person = "anna", role = "chair", counts_for_quorum = true }',
            'groups[1] "Testgruppen" → members[1]: counts_for_quorum = true går bara för '
            'role = "member" med represents',
            id="chair-counts-for-quorum",
        ),
        pytest.param(
            'unit = "Socialförvaltningen/Hemtjänst"',
            'unit = "Socialförvaltningen/Hemsjukvård"',
            'people[2] "bo": okänd enhet "Socialförvaltningen/Hemsjukvård" i Testby kommun',
            id="unknown-unit",
        ),
        pytest.param(
            'level = "tactical"',
            'level = "tactical"\nescalation_parent = "lsvo"',
            'groups[1] "Testgruppen": okänd grupp "lsvo" i escalation_parent',
            id="unknown-escalation-parent",
        ),
        pytest.param(
            'represents = "kommun"',
            'represents = "kommunen"',
            'groups[1] "Testgruppen" → members[2]: okänd organisation "kommunen" i represents',
            id="unknown-represented-organization",
        ),
        pytest.param(
            'represents = "kommun"',
            'represent = "kommun"',
            'groups[1] "Testgruppen" → members[2]: okänd nyckel "represent"',
            id="misspelt-key",
        ),
        pytest.param(
            'name = "Testlän"',
            'name = "Testlän"\nanswer_deadline_days = "28"',
            'region: "answer_deadline_days" ska vara ett heltal',
            id="wrong-type",
        ),
        pytest.param(
            'name = "Testlän"',
            'name = "Testlän"\nrecurrence_min_count = 1',
            'region: "recurrence_min_count" måste vara minst 2',
            id="setting-below-minimum",
        ),
        pytest.param(
            'name = "Socialförvaltningen"',
            'name = "Social/förvaltningen"',
            'organizations[1] "Testby kommun" → units[1] "Social/förvaltningen": '
            'enhetens namn får inte innehålla "/"',
            id="slash-in-unit-name",
        ),
        pytest.param(
            'kind = "region"',
            'kind = "region"\n\n[[organizations]]\nkey = "kommun"\nname = "X"\nkind = "other"',
            'organizations[3] "X": nyckeln "kommun" finns redan i organizations[1] "Testby kommun"',
            id="duplicate-organization-key",
        ),
    ],
)
def test_broken_file_is_refused_and_nothing_changes(ctx, tmp_path, old, new, message):
    load_region(write(tmp_path, VALID, "testlan.toml"))
    db.session.commit()
    counts = row_counts()
    assert VALID.count(old) == 1
    path = write(tmp_path, VALID.replace(old, new))

    with pytest.raises(RegionFileError) as refused:
        load_region(path)

    assert f"{path}: {message}" in str(refused.value)
    assert row_counts() == counts


def test_every_problem_is_reported_at_once(ctx, tmp_path):
    text = VALID.replace('level = "tactical"', 'level = "x"').replace(
        'person = "bo"', 'person = "y"'
    )
    with pytest.raises(RegionFileError) as refused:
        load_region(write(tmp_path, text))
    lines = str(refused.value).splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{tmp_path / 'bad.toml'}: groups[1]") for line in lines)


def test_a_file_without_organizations_is_refused(ctx, tmp_path):
    text = 'organizations = []\n\n[region]\nkey = "tom"\nname = "Tom"\n'
    with pytest.raises(RegionFileError, match="organizations: minst en organisation behövs"):
        load_region(write(tmp_path, text))


def test_failure_while_applying_rolls_everything_back(ctx, tmp_path):
    """The e-mail of a person in another region is found only in the database, after the new
    region, its organizations and a first person have been written."""
    load_region(write(tmp_path, VALID, "testlan.toml"))
    db.session.commit()
    counts = row_counts()
    other = (
        VALID.replace('key = "testlan"', 'key = "annat"')
        .replace('email = "anna@test.example"', 'email = "anna@annat.example"')
        .replace('name = "Testby kommun"', 'name = "Annanby kommun"')
    )

    with pytest.raises(RegionFileError) as refused:
        load_region(write(tmp_path, other, "annat.toml"))

    assert str(refused.value) == (
        f'{tmp_path / "annat.toml"}: people[2] "bo": e-postadressen "bo@test.example" hör redan '
        "till ett konto i regionen testlan"
    )
    assert row_counts() == counts
    assert db.session.scalar(select(Region).where(Region.key == "annat")) is None
    db.session.commit()
    assert row_counts() == counts


def test_coordinators_come_from_the_file(ctx):
    from avvikelse.models import Coordinator

    load_region("blekinge")
    pairs = {
        (c.user.email.split("@")[1], c.organization.name)
        for c in db.session.scalars(select(Coordinator))
    }
    assert ("ronneby.example", "Ronneby kommun") in pairs
    assert len(pairs) == 6
