"""The administration rules without HTTP: quorum, cycles, uniqueness, self-protection, order."""

from datetime import UTC, datetime

import pytest

from avvikelse.extensions import db
from avvikelse.models import (
    Category,
    Group,
    GroupLevel,
    Membership,
    MembershipRole,
    Organization,
    OrganizationKind,
    Unit,
    User,
)
from avvikelse.services import admin as service
from avvikelse.services.errors import WorkflowError

from .. import factories

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def ctx(app, world):
    """An app context with the world's rows loaded by name."""
    with app.app_context():
        models = {
            "kommun": Organization,
            "regionorg": Organization,
            "unit": Unit,
            "lsvo": Group,
            "group": Group,
            "admin": User,
            "chair": User,
            "secretary": User,
            "member": User,
            "staff": User,
        }
        loaded = {name: db.session.get(model, world[name]) for name, model in models.items()}
        yield loaded | {"region_id": world["region"]}


@pytest.mark.parametrize(
    ("role", "represents", "allowed"),
    [
        (MembershipRole.MEMBER, True, True),
        (MembershipRole.MEMBER, False, False),
        (MembershipRole.CHAIR, True, False),
        (MembershipRole.SECRETARY, True, False),
        (MembershipRole.CO_OPTED, True, False),
    ],
)
def test_only_a_member_representing_an_organization_counts_for_quorum(
    ctx, role, represents, allowed
):
    organization = ctx["kommun"] if represents else None
    assert service.may_count_for_quorum(role, organization) is allowed


@pytest.mark.parametrize(
    "role", [MembershipRole.CHAIR, MembershipRole.SECRETARY, MembershipRole.CO_OPTED]
)
def test_chair_secretary_and_co_opted_are_refused_quorum(ctx, role):
    with pytest.raises(service.FieldError, match="inget beslutsmandat") as refused:
        service.add_membership(
            ctx["lsvo"],
            user=ctx["staff"],
            role=role,
            function=None,
            represented_organization=ctx["kommun"],
            counts_for_quorum=True,
        )
    assert refused.value.field == "counts_for_quorum"


def test_member_without_organization_is_refused_quorum_on_edit(ctx):
    membership = db.session.scalar(
        db.select(Membership).where(Membership.user_id == ctx["member"].id)
    )
    with pytest.raises(service.FieldError, match="beslutsförheten"):
        service.update_membership(
            membership,
            role=MembershipRole.MEMBER,
            function=None,
            represented_organization=None,
            counts_for_quorum=True,
        )


def test_one_membership_per_user_and_group_and_a_removed_one_comes_back(ctx):
    membership = db.session.scalar(
        db.select(Membership).where(Membership.user_id == ctx["member"].id)
    )
    fields = {
        "role": MembershipRole.MEMBER,
        "function": "Socialchef",
        "represented_organization": ctx["kommun"],
        "counts_for_quorum": True,
    }
    with pytest.raises(service.FieldError, match="redan med i gruppen"):
        service.add_membership(ctx["group"], user=ctx["member"], **fields)
    service.remove_membership(membership)
    again = service.add_membership(ctx["group"], user=ctx["member"], **fields)
    assert again.id == membership.id
    assert again.active
    assert again.function == "Socialchef"


def test_membership_needs_a_user_of_the_groups_region(ctx):
    other = factories.create_region("annan", "Annan region")
    stranger = factories.create_user(
        factories.create_organization(other, "Annan kommun"), "x@annan.example"
    )
    with pytest.raises(service.FieldError, match="gruppens region"):
        service.add_membership(
            ctx["group"],
            user=stranger,
            role=MembershipRole.CO_OPTED,
            function=None,
            represented_organization=None,
            counts_for_quorum=False,
        )


def test_unit_cannot_move_under_itself_or_below_itself(ctx):
    top = service.create_unit(ctx["kommun"], name="Socialförvaltningen", parent=None)
    middle = service.create_unit(ctx["kommun"], name="Äldreomsorg", parent=top)
    bottom = service.create_unit(ctx["kommun"], name="Hemtjänst Norr", parent=middle)
    for new_parent in (top, middle, bottom):
        with pytest.raises(service.FieldError, match="under sig själv") as refused:
            service.update_unit(top, name=top.name, parent=new_parent)
        assert refused.value.field == "parent_id"
    assert top.parent is None
    service.update_unit(bottom, name="Hemtjänst Norr", parent=top)
    assert bottom.parent is top
    assert middle not in service.unit_parent_options(ctx["kommun"], middle)
    assert bottom in service.unit_parent_options(ctx["kommun"], middle)


def test_unit_parent_must_be_in_the_same_organization(ctx):
    elsewhere = service.create_unit(ctx["regionorg"], name="Akutmottagningen", parent=None)
    with pytest.raises(service.FieldError, match="annan organisation"):
        service.create_unit(ctx["kommun"], name="Hemsjukvård", parent=elsewhere)


def test_unit_names_are_unique_among_siblings_whatever_the_case(ctx):
    with pytest.raises(service.FieldError, match="redan en enhet"):
        service.create_unit(ctx["kommun"], name="hemtjänst", parent=None)
    service.create_unit(ctx["kommun"], name="Hemtjänst", parent=ctx["unit"])


def test_unit_with_active_children_cannot_be_deactivated(ctx):
    child = service.create_unit(ctx["kommun"], name="Hemtjänst Söder", parent=ctx["unit"])
    with pytest.raises(WorkflowError, match="aktiva underenheter"):
        service.set_unit_active(ctx["unit"], False)
    service.set_unit_active(child, False)
    service.set_unit_active(ctx["unit"], False)
    with pytest.raises(WorkflowError, match="Aktivera den först"):
        service.set_unit_active(child, True)


def test_group_escalation_cannot_point_to_itself_or_make_a_cycle(ctx):
    lsvo, group = ctx["lsvo"], ctx["group"]
    fields = {"short_name": None, "level": GroupLevel.STRATEGIC, "target_group": None}
    for parent in (lsvo, group):
        with pytest.raises(service.FieldError, match="överlämnar till den") as refused:
            service.update_group(lsvo, name="LSVO", escalation_parent=parent, **fields)
        assert refused.value.field == "escalation_parent_id"
    assert lsvo.escalation_parent is None
    assert group not in service.escalation_parent_options(ctx["region_id"], lsvo)
    assert lsvo not in service.escalation_parent_options(ctx["region_id"], lsvo)


def test_group_escalation_parent_must_be_in_the_same_region(ctx):
    other = factories.create_region("annan", "Annan region")
    foreign = factories.create_group(other, "Annat LSVO", level=GroupLevel.STRATEGIC)
    with pytest.raises(service.FieldError, match="samma region"):
        service.create_group(
            ctx["region_id"],
            name="Beredningsgruppen",
            short_name=None,
            level=GroupLevel.PREPARATION,
            target_group=None,
            escalation_parent=foreign,
        )


def test_names_are_unique_per_region_whatever_the_case(ctx):
    with pytest.raises(service.FieldError, match="redan en organisation"):
        service.create_organization(
            ctx["region_id"],
            name="testby KOMMUN",
            kind=OrganizationKind.MUNICIPALITY,
            is_party=True,
        )
    service.create_organization(
        ctx["region_id"], name="Åre kommun", kind=OrganizationKind.MUNICIPALITY, is_party=True
    )
    with pytest.raises(service.FieldError, match="redan en organisation"):
        service.create_organization(
            ctx["region_id"], name="åre kommun", kind=OrganizationKind.MUNICIPALITY, is_party=True
        )
    other = factories.create_region("annan", "Annan region")
    service.create_organization(
        other.id, name="Testby kommun", kind=OrganizationKind.MUNICIPALITY, is_party=True
    )
    with pytest.raises(service.FieldError, match="redan en grupp"):
        service.create_group(
            ctx["region_id"],
            name="lsvo",
            short_name=None,
            level=GroupLevel.STRATEGIC,
            target_group=None,
            escalation_parent=None,
        )


def test_swedish_letters_sort_after_z(ctx):
    for name in ("Östersunds kommun", "Ärla kommun", "Åre kommun", "Zeta kommun"):
        service.create_organization(
            ctx["region_id"], name=name, kind=OrganizationKind.MUNICIPALITY, is_party=True
        )
    names = [o.name for o in service.organization_options(ctx["region_id"])]
    assert names[-4:] == ["Zeta kommun", "Åre kommun", "Ärla kommun", "Östersunds kommun"]


def account_fields(ctx, **overrides):
    fields = {
        "name": "Ny Person",
        "email": "ny.person@test.example",
        "organization": ctx["kommun"],
        "unit": None,
        "title": None,
        "locale": "sv",
        "is_admin": False,
        "password": "ett-tillrackligt-langt",
    }
    return fields | overrides


def test_create_account_checks_email_unit_and_password_per_field(ctx):
    cases = [
        ({"email": "Member@Test.Example"}, "email", "redan ett konto"),
        ({"unit": ctx["unit"], "organization": ctx["regionorg"]}, "unit_id", "Enheten hör inte"),
        ({"password": "kort"}, "password", "minst 12 tecken"),
    ]
    for overrides, field, message in cases:
        with pytest.raises(service.FieldError, match=message) as refused:
            service.create_account(**account_fields(ctx, **overrides))
        assert refused.value.field == field
    user = service.create_account(**account_fields(ctx, unit=ctx["unit"]))
    assert user.password_hash
    assert user.unit is ctx["unit"]


def test_update_account_keeps_the_password_when_left_empty(ctx):
    member = ctx["member"]
    before = member.password_hash
    fields = account_fields(ctx, name="Mats Ändrad", email=member.email, password="")
    service.update_account(member, **fields, actor=ctx["admin"])
    assert member.password_hash == before
    assert member.name == "Mats Ändrad"
    service.update_account(
        member, **(fields | {"password": "ett-annat-langt-losenord"}), actor=ctx["admin"]
    )
    assert member.password_hash != before


def test_administrator_cannot_lock_themselves_out(ctx):
    admin = ctx["admin"]
    with pytest.raises(WorkflowError, match="ditt eget konto"):
        service.set_account_active(admin, False, actor=admin)
    fields = account_fields(
        ctx, email=admin.email, organization=ctx["regionorg"], is_admin=False, password=""
    )
    with pytest.raises(service.FieldError, match="egen administratörsbehörighet") as refused:
        service.update_account(admin, **fields, actor=admin)
    assert refused.value.field == "is_admin"
    assert admin.is_admin
    assert admin.active
    service.set_account_active(ctx["member"], False, actor=admin)
    assert not ctx["member"].active


def categories_in_order(region_id):
    return [node.item.name for node in service.category_tree(region_id)]


def test_categories_append_move_and_keep_one_level_of_subcategories(ctx):
    region_id = ctx["region_id"]
    first = db.session.scalar(db.select(Category).where(Category.region_id == region_id))
    second = service.create_category(region_id, name="Läkemedel", description=None, parent=None)
    third = service.create_category(region_id, name="Hjälpmedel", description="", parent=None)
    assert categories_in_order(region_id) == [first.name, "Läkemedel", "Hjälpmedel"]
    service.move_category(third, up=True)
    assert categories_in_order(region_id) == [first.name, "Hjälpmedel", "Läkemedel"]
    with pytest.raises(WorkflowError, match="redan först"):
        service.move_category(first, up=True)
    sub = service.create_category(region_id, name="Dosering", description=None, parent=second)
    with pytest.raises(service.FieldError, match="huvudkategori"):
        service.create_category(region_id, name="Djupare", description=None, parent=sub)
    with pytest.raises(service.FieldError, match="egna underkategorier"):
        service.update_category(second, name="Läkemedel", description=None, parent=first)
    assert service.category_parent_options(region_id, second) == []
    service.update_category(sub, name="Dosering", description=None, parent=third)
    assert sub.parent is third
    with pytest.raises(service.FieldError, match="redan en kategori"):
        service.create_category(region_id, name="läkemedel", description=None, parent=None)


def test_retired_category_stays_and_comes_back(ctx):
    category = service.create_category(
        ctx["region_id"], name="Rutin saknas", description=None, parent=None
    )
    service.set_category_retired(category, True, now=NOW)
    assert category.is_retired
    assert db.session.get(Category, category.id) is category
    service.set_category_retired(category, False, now=NOW)
    assert not category.is_retired
