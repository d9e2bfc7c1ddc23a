"""Administration of the region configuration; hidden (404) from everyone but administrators.

Every object is loaded through permissions.administrable(), scoped to the administrator's own
region, so an id from another region answers 404 just like an id that does not exist.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..forms import EmptyForm
from ..forms.admin import (
    AuditFilterForm,
    CategoryEditForm,
    CategoryForm,
    CoordinatorForm,
    GroupEditForm,
    GroupForm,
    MembershipEditForm,
    MembershipForm,
    OrganizationEditForm,
    OrganizationForm,
    UnitEditForm,
    UnitForm,
    UserEditForm,
    UserFilterForm,
    UserForm,
    row_options,
)
from ..models import (
    AccessibilityReport,
    Category,
    Coordinator,
    Group,
    Membership,
    Notification,
    Organization,
    Unit,
    User,
)
from ..permissions import administrable, require_admin
from ..services import admin as service
from ..services import dates
from ..services.accessibility import accessibility_reports, mark_accessibility_report_handled
from ..services.case_lists import AuditFilters, Cursor, audit_page
from ..services.errors import StaleEditError, WorkflowError, changed_elsewhere
from ..services.job_runs import job_rows, leader_status, recent_runs, summary_text
from ..services.notifications import failed_emails, logged_emails, outbox_counts, retry_email
from ..services.personal_data import PersonalDataError
from .params import query_int

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERS_PER_PAGE = 50
# The account list's search and page, carried through a deactivation so the admin stays put.
USER_LIST_ARGS = ("q", "organization", "status", "sida")


@bp.before_request
def only_administrators():
    require_admin()


# --- Helpers -----------------------------------------------------------------------------------


def _region_id() -> int:
    return current_user.organization.region_id


def _load(model, object_id: int):
    return db.one_or_404(administrable(model, current_user).where(model.id == object_id))


def _load_optional(model, object_id: int | None):
    return _load(model, object_id) if object_id is not None else None


def _refused(form, error: WorkflowError) -> None:
    """Show a service's refusal next to the field it is about, else above the form."""
    if isinstance(error, PersonalDataError):
        for name, messages in error.field_messages().items():
            (form[name].errors if name in form else form.form_errors).extend(messages)
        return
    name = getattr(error, "field", None)
    (form[name].errors if name in form else form.form_errors).append(str(error))


def _form_page(form, *, heading: str, submit: str, back: str, status: int | None = None):
    """A GET shows the form; a POST that ends up here was refused: 422, with what was typed."""
    if status is None:
        status = 422 if request.method == "POST" else 200
    page = render_template("admin/form.html", form=form, heading=heading, submit=submit, back=back)
    return page, status


def _edit(form, record, change, message, target: str, page):
    """Save an edit form: its one service call with the version the page showed, then the one
    commit. A save made by someone else in between is refused with 409 and the text as typed;
    the form then carries the current version, so saving again knowingly replaces it.
    `message()` is asked after the save (it may name the new name); `page(status)` renders the
    form (None: 422 for a POST)."""
    try:
        change()
        db.session.commit()
    except (StaleEditError, StaleDataError):
        db.session.rollback()
        form.form_errors.append(changed_elsewhere())
        form.version.data = str(record.version)
        return page(409)
    except WorkflowError as error:
        _refused(form, error)
        return page(None)
    flash(message(), "success")
    return redirect(target)


def _done(message: str, target: str):
    """The one commit of a successful change, then Post/Redirect/Get."""
    db.session.commit()
    flash(message, "success")
    return redirect(target)


def _button_posted() -> None:
    """The buttons post EmptyForm (CSRF only); CSRFProtect has already refused a bad token."""
    if not EmptyForm().validate_on_submit():
        abort(400)


def _button_action(change, message: str, target: str):
    """Run one activate/deactivate service; a refusal is flashed on the page the user came from."""
    _button_posted()
    try:
        change()
    except WorkflowError as error:
        flash(str(error), "error")
        return redirect(target)
    return _done(message, target)


# --- Start page --------------------------------------------------------------------------------


@bp.route("/")
def index():
    return render_template("admin/index.html", counts=service.overview_counts(_region_id()))


# --- Accounts ----------------------------------------------------------------------------------


@bp.route("/anvandare")
def users():
    region_id = _region_id()
    form = UserFilterForm(request.args)
    form.organization.choices = row_options(
        service.organization_options(region_id, include_inactive=True),
        empty=_("Alla organisationer"),
    )
    filters = {}
    if form.validate():
        filters = {
            "search": form.q.data,
            "organization_id": form.organization.data,
            "active": {"active": True, "inactive": False}.get(form.status.data),
        }
    page = db.paginate(
        service.user_list(region_id, **filters),
        page=query_int("sida", 1),
        per_page=USERS_PER_PAGE,
        error_out=False,
    )
    return render_template("admin/users.html", form=form, page=page, list_args=_user_list_args())


def _user_list_args() -> dict:
    return {key: request.args[key] for key in USER_LIST_ARGS if request.args.get(key)}


def _user_choices(form, user: User | None = None) -> None:
    region_id = _region_id()
    form.organization_id.choices = row_options(
        service.organization_options(region_id, keep=user.organization_id if user else None),
        empty=_("Välj organisation"),
    )
    form.unit_id.choices = row_options(
        service.unit_options(region_id, keep=user.unit_id if user else None),
        label=lambda unit: unit.path,
        optgroup=lambda unit: unit.organization.name,
        empty=_("Ingen enhet"),
    )


def _account_fields(form) -> dict:
    return {
        "name": form.name.data,
        "email": form.email.data,
        "organization": _load(Organization, form.organization_id.data),
        "unit": _load_optional(Unit, form.unit_id.data),
        "title": form.title.data,
        "locale": form.locale.data,
        "is_admin": form.is_admin.data,
        "password": form.password.data,
    }


@bp.route("/anvandare/ny", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    _user_choices(form)
    if form.validate_on_submit():
        try:
            user = service.create_account(**_account_fields(form))
        except WorkflowError as error:
            _refused(form, error)
        else:
            return _done(_("Kontot för %(name)s är skapat.", name=user.name), url_for(".users"))
    return _form_page(
        form, heading=_("Nytt konto"), submit=_("Skapa kontot"), back=url_for(".users")
    )


@bp.route("/anvandare/<id:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _load(User, user_id)
    form = UserEditForm(obj=user)
    _user_choices(form, user)

    def page(status=None):
        return _form_page(
            form,
            heading=_("Ändra konto: %(name)s", name=user.name),
            submit=_("Spara"),
            back=url_for(".users"),
            status=status,
        )

    if not form.validate_on_submit():
        return page()
    return _edit(
        form,
        user,
        lambda: service.update_account(
            user, **_account_fields(form), actor=current_user, version=form.version.data
        ),
        lambda: _saved_account(user),
        url_for(".users"),
        page,
    )


def _saved_account(user) -> str:
    """After the commit: a new password of one's own ends one's other sessions, not this one."""
    if user.id == current_user.id:
        login_user(user)
    return _("Kontot för %(name)s är sparat.", name=user.name)


@bp.post("/anvandare/<id:user_id>/aktiv")
def user_toggle(user_id: int):
    user = _load(User, user_id)
    active = not user.active
    message = (
        _("%(name)s är aktiverad och kan logga in igen.", name=user.name)
        if active
        else _("%(name)s är inaktiverad och kan inte logga in.", name=user.name)
    )
    return _button_action(
        lambda: service.set_account_active(user, active, actor=current_user),
        message,
        url_for(".users", **_user_list_args()),
    )


# --- Organizations -----------------------------------------------------------------------------


@bp.route("/organisationer")
def organizations():
    return render_template("admin/organizations.html", rows=service.organization_list(_region_id()))


def _organization_fields(form) -> dict:
    return {"name": form.name.data, "kind": form.kind.data, "is_party": form.is_party.data}


@bp.route("/organisationer/ny", methods=["GET", "POST"])
def organization_new():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = service.create_organization(_region_id(), **_organization_fields(form))
        except WorkflowError as error:
            _refused(form, error)
        else:
            return _done(
                _("%(name)s är tillagd.", name=organization.name), url_for(".organizations")
            )
    return _form_page(
        form,
        heading=_("Ny organisation"),
        submit=_("Lägg till"),
        back=url_for(".organizations"),
    )


@bp.route("/organisationer/<id:organization_id>", methods=["GET", "POST"])
def organization_edit(organization_id: int):
    organization = _load(Organization, organization_id)
    form = OrganizationEditForm(obj=organization)

    def page(status=None):
        return _form_page(
            form,
            heading=_("Ändra organisation: %(name)s", name=organization.name),
            submit=_("Spara"),
            back=url_for(".organizations"),
            status=status,
        )

    if not form.validate_on_submit():
        return page()
    return _edit(
        form,
        organization,
        lambda: service.update_organization(
            organization, **_organization_fields(form), version=form.version.data
        ),
        lambda: _("%(name)s är sparad.", name=organization.name),
        url_for(".organizations"),
        page,
    )


@bp.post("/organisationer/<id:organization_id>/aktiv")
def organization_toggle(organization_id: int):
    organization = _load(Organization, organization_id)
    active = not organization.active
    message = (
        _("%(name)s är aktiverad.", name=organization.name)
        if active
        else _("%(name)s är inaktiverad.", name=organization.name)
    )
    return _button_action(
        lambda: service.set_organization_active(organization, active),
        message,
        url_for(".organizations"),
    )


# --- Units -------------------------------------------------------------------------------------


@bp.route("/organisationer/<id:organization_id>/enheter")
def units(organization_id: int):
    organization = _load(Organization, organization_id)
    return render_template(
        "admin/units.html", organization=organization, tree=service.unit_tree(organization)
    )


def _unit_parent_choices(form, organization: Organization, unit: Unit | None = None) -> None:
    form.parent_id.choices = row_options(
        service.unit_parent_options(organization, unit),
        label=lambda u: u.path,
        empty=_("Ingen – direkt under %(name)s", name=organization.name),
    )


@bp.route("/organisationer/<id:organization_id>/enheter/ny", methods=["GET", "POST"])
def unit_new(organization_id: int):
    organization = _load(Organization, organization_id)
    form = UnitForm(parent_id=query_int("under"))
    _unit_parent_choices(form, organization)
    back = url_for(".units", organization_id=organization.id)
    if form.validate_on_submit():
        try:
            unit = service.create_unit(
                organization, name=form.name.data, parent=_load_optional(Unit, form.parent_id.data)
            )
        except WorkflowError as error:
            _refused(form, error)
        else:
            return _done(_("%(name)s är tillagd.", name=unit.name), back)
    return _form_page(
        form,
        heading=_("Ny enhet i %(name)s", name=organization.name),
        submit=_("Lägg till"),
        back=back,
    )


@bp.route("/enheter/<id:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = _load(Unit, unit_id)
    form = UnitEditForm(obj=unit)
    _unit_parent_choices(form, unit.organization, unit)
    back = url_for(".units", organization_id=unit.organization_id)

    def page(status=None):
        return _form_page(
            form,
            heading=_("Ändra enhet: %(name)s", name=unit.name),
            submit=_("Spara"),
            back=back,
            status=status,
        )

    if not form.validate_on_submit():
        return page()
    return _edit(
        form,
        unit,
        lambda: service.update_unit(
            unit,
            name=form.name.data,
            parent=_load_optional(Unit, form.parent_id.data),
            version=form.version.data,
        ),
        lambda: _("%(name)s är sparad.", name=unit.name),
        back,
        page,
    )


@bp.post("/enheter/<id:unit_id>/aktiv")
def unit_toggle(unit_id: int):
    unit = _load(Unit, unit_id)
    active = not unit.active
    message = (
        _("%(name)s är aktiverad.", name=unit.name)
        if active
        else _("%(name)s är inaktiverad.", name=unit.name)
    )
    return _button_action(
        lambda: service.set_unit_active(unit, active),
        message,
        url_for(".units", organization_id=unit.organization_id),
    )


# --- Groups and memberships --------------------------------------------------------------------


@bp.route("/grupper")
def groups():
    return render_template("admin/groups.html", rows=service.group_list(_region_id()))


@bp.route("/grupper/<id:group_id>", endpoint="group")
def group_page(group_id: int):
    group = _load(Group, group_id)
    return render_template(
        "admin/group.html", group=group, memberships=service.group_memberships(group)
    )


def _group_fields(form) -> dict:
    return {
        "name": form.name.data,
        "short_name": form.short_name.data,
        "level": form.level.data,
        "target_group": form.target_group.data,
        "escalation_parent": _load_optional(Group, form.escalation_parent_id.data),
    }


def _escalation_choices(form, group: Group | None = None) -> None:
    form.escalation_parent_id.choices = row_options(
        service.escalation_parent_options(_region_id(), group),
        empty=_("Ingen"),
    )


@bp.route("/grupper/ny", methods=["GET", "POST"])
def group_new():
    form = GroupForm()
    _escalation_choices(form)
    if form.validate_on_submit():
        try:
            group = service.create_group(_region_id(), **_group_fields(form))
        except WorkflowError as error:
            _refused(form, error)
        else:
            return _done(
                _("%(name)s är skapad.", name=group.name), url_for(".group", group_id=group.id)
            )
    return _form_page(
        form, heading=_("Ny grupp"), submit=_("Skapa gruppen"), back=url_for(".groups")
    )


@bp.route("/grupper/<id:group_id>/andra", methods=["GET", "POST"])
def group_edit(group_id: int):
    group = _load(Group, group_id)
    form = GroupEditForm(obj=group)
    _escalation_choices(form, group)
    back = url_for(".group", group_id=group.id)

    def page(status=None):
        return _form_page(
            form,
            heading=_("Ändra grupp: %(name)s", name=group.name),
            submit=_("Spara"),
            back=back,
            status=status,
        )

    if not form.validate_on_submit():
        return page()
    return _edit(
        form,
        group,
        lambda: service.update_group(group, **_group_fields(form), version=form.version.data),
        lambda: _("%(name)s är sparad.", name=group.name),
        back,
        page,
    )


@bp.post("/grupper/<id:group_id>/aktiv")
def group_toggle(group_id: int):
    group = _load(Group, group_id)
    active = not group.active
    message = (
        _("%(name)s är aktiverad.", name=group.name)
        if active
        else _("%(name)s är inaktiverad.", name=group.name)
    )
    return _button_action(
        lambda: service.set_group_active(group, active),
        message,
        url_for(".group", group_id=group.id),
    )


def _membership_choices(form, group: Group, membership: Membership | None = None) -> None:
    region_id = _region_id()
    if membership is None:
        form.user_id.choices = row_options(
            service.user_options(region_id, exclude_group=group),
            label=lambda user: f"{user.name} ({user.organization.name})",
            empty=_("Välj person"),
        )
    keep = membership.represented_organization_id if membership else None
    form.represented_organization_id.choices = row_options(
        service.organization_options(region_id, keep=keep),
        empty=_("Ingen"),
    )


def _membership_fields(form) -> dict:
    return {
        "role": form.role.data,
        "function": form.function.data,
        "represented_organization": _load_optional(
            Organization, form.represented_organization_id.data
        ),
        "counts_for_quorum": form.counts_for_quorum.data,
    }


@bp.route("/grupper/<id:group_id>/medlemmar/ny", methods=["GET", "POST"])
def membership_new(group_id: int):
    group = _load(Group, group_id)
    form = MembershipForm()
    _membership_choices(form, group)
    back = url_for(".group", group_id=group.id)
    if form.validate_on_submit():
        try:
            membership = service.add_membership(
                group, user=_load(User, form.user_id.data), **_membership_fields(form)
            )
        except WorkflowError as error:
            _refused(form, error)
        else:
            return _done(
                _(
                    "%(name)s är tillagd i %(group)s.",
                    name=membership.user.name,
                    group=group.name,
                ),
                back,
            )
    return _form_page(
        form,
        heading=_("Lägg till medlem i %(group)s", group=group.name),
        submit=_("Lägg till"),
        back=back,
    )


def _active_membership(membership_id: int) -> Membership:
    """A removed membership is history: it is not edited or removed again."""
    membership = _load(Membership, membership_id)
    if not membership.active:
        abort(404)
    return membership


@bp.route("/medlemskap/<id:membership_id>", methods=["GET", "POST"])
def membership_edit(membership_id: int):
    membership = _active_membership(membership_id)
    form = MembershipEditForm(obj=membership)
    _membership_choices(form, membership.group, membership)
    back = url_for(".group", group_id=membership.group_id)

    def page(status=None):
        return _form_page(
            form,
            heading=_(
                "Ändra medlemskap: %(name)s i %(group)s",
                name=membership.user.name,
                group=membership.group.name,
            ),
            submit=_("Spara"),
            back=back,
            status=status,
        )

    if not form.validate_on_submit():
        return page()
    return _edit(
        form,
        membership,
        lambda: service.update_membership(
            membership, **_membership_fields(form), version=form.version.data
        ),
        lambda: _("Medlemskapet för %(name)s är sparat.", name=membership.user.name),
        back,
        page,
    )


@bp.post("/medlemskap/<id:membership_id>/ta-bort")
def membership_remove(membership_id: int):
    membership = _active_membership(membership_id)
    return _button_action(
        lambda: service.remove_membership(membership),
        _(
            "%(name)s är borttagen ur %(group)s.",
            name=membership.user.name,
            group=membership.group.name,
        ),
        url_for(".group", group_id=membership.group_id),
    )


# --- Categories --------------------------------------------------------------------------------


@bp.route("/kategorier")
def categories():
    return render_template("admin/categories.html", tree=service.category_tree(_region_id()))


def _category_fields(form) -> dict:
    return {
        "name": form.name.data,
        "description": form.description.data,
        "parent": _load_optional(Category, form.parent_id.data),
    }


def _category_parent_choices(form, category: Category | None = None) -> None:
    form.parent_id.choices = row_options(
        service.category_parent_options(_region_id(), category),
        empty=_("Ingen – det här är en huvudkategori"),
    )


@bp.route("/kategorier/ny", methods=["GET", "POST"])
def category_new():
    form = CategoryForm(parent_id=query_int("under"))
    _category_parent_choices(form)
    if form.validate_on_submit():
        try:
            category = service.create_category(_region_id(), **_category_fields(form))
        except WorkflowError as error:
            _refused(form, error)
        else:
            return _done(_("%(name)s är tillagd.", name=category.name), url_for(".categories"))
    return _form_page(
        form,
        heading=_("Ny kategori"),
        submit=_("Lägg till"),
        back=url_for(".categories"),
    )


@bp.route("/kategorier/<id:category_id>", methods=["GET", "POST"])
def category_edit(category_id: int):
    category = _load(Category, category_id)
    form = CategoryEditForm(obj=category)
    _category_parent_choices(form, category)

    def page(status=None):
        return _form_page(
            form,
            heading=_("Ändra kategori: %(name)s", name=category.name),
            submit=_("Spara"),
            back=url_for(".categories"),
            status=status,
        )

    if not form.validate_on_submit():
        return page()
    return _edit(
        form,
        category,
        lambda: service.update_category(
            category, **_category_fields(form), version=form.version.data
        ),
        lambda: _("%(name)s är sparad.", name=category.name),
        url_for(".categories"),
        page,
    )


@bp.post("/kategorier/<id:category_id>/flytta/<any(upp, ned):direction>")
def category_move(category_id: int, direction: str):
    category = _load(Category, category_id)
    return _button_action(
        lambda: service.move_category(category, up=direction == "upp"),
        _("%(name)s är flyttad.", name=category.name),
        url_for(".categories", _anchor=f"kategori-{category.id}"),
    )


@bp.post("/kategorier/<id:category_id>/avveckla")
def category_toggle(category_id: int):
    category = _load(Category, category_id)
    retire = not category.is_retired
    message = (
        _("%(name)s är avvecklad och kan inte väljas i nya rapporter.", name=category.name)
        if retire
        else _("%(name)s kan väljas igen.", name=category.name)
    )
    return _button_action(
        lambda: service.set_category_retired(category, retire, now=dates.now()),
        message,
        url_for(".categories", _anchor=f"kategori-{category.id}"),
    )


# --- Accessibility reports ---------------------------------------------------------------------


@bp.route("/tillganglighet", endpoint="accessibility_reports")
def accessibility_report_list():
    return render_template("admin/accessibility_reports.html", reports=accessibility_reports())


@bp.post("/tillganglighet/<id:report_id>/hanterad")
def accessibility_report_handle(report_id: int):
    report = _load(AccessibilityReport, report_id)
    return _button_action(
        lambda: mark_accessibility_report_handled(report),
        _("Rapporten är markerad som hanterad."),
        url_for(".accessibility_reports"),
    )


# --- Audit log ---------------------------------------------------------------------------------

AUDIT_LIST_ARGS = ("anvandare", "arende", "handelse", "fran", "till", "administratorer")


@bp.route("/granskningslogg")
def audit_log():
    """Who read or changed which case, newest first (DESIGN §10: every read is logged)."""
    form = AuditFilterForm(request.args)
    list_args = {key: request.args[key] for key in AUDIT_LIST_ARGS if request.args.get(key)}
    if not form.validate():
        return render_template("admin/audit_log.html", form=form, page=None, list_args=list_args)
    fore = Cursor.decode(request.args.get("fore"))
    page = audit_page(
        _region_id(),
        AuditFilters(
            email=form.anvandare.data,
            case_number=form.arende.data,
            action=form.handelse.data,
            logged_from=form.fran.data,
            logged_to=form.till.data,
            administrators_only=form.administratorer.data,
        ),
        fore=fore,
    )
    return render_template(
        "admin/audit_log.html", form=form, page=page, paged=fore is not None, list_args=list_args
    )


# --- Coordinators ------------------------------------------------------------------------------


def _coordinator_choices(form) -> None:
    region_id = _region_id()
    form.user_id.choices = row_options(
        service.user_options(region_id),
        label=lambda user: f"{user.name} ({user.organization.name})",
        empty=_("Välj person"),
    )
    form.organization_id.choices = row_options(
        service.organization_options(region_id), empty=_("Välj organisation")
    )


def _coordinators_page(form, status: int = 200):
    page = render_template(
        "admin/coordinators.html", form=form, rows=service.coordinator_list(_region_id())
    )
    return page, status


@bp.route("/samordnare", methods=["GET", "POST"])
def coordinators():
    """Who answers for which organization; a person may coordinate several organizations."""
    form = CoordinatorForm()
    _coordinator_choices(form)
    if form.validate_on_submit():
        try:
            role = service.assign_coordinator(
                _load(User, form.user_id.data), _load(Organization, form.organization_id.data)
            )
        except WorkflowError as error:
            _refused(form, error)
        else:
            return _done(
                _(
                    "%(name)s är samordnare för %(organization)s.",
                    name=role.user.name,
                    organization=role.organization.name,
                ),
                url_for(".coordinators"),
            )
    return _coordinators_page(form, 422 if request.method == "POST" else 200)


@bp.post("/samordnare/<id:coordinator_id>/ta-bort")
def coordinator_remove(coordinator_id: int):
    role = db.one_or_404(service.coordinators(_region_id()).where(Coordinator.id == coordinator_id))
    return _button_action(
        lambda: service.remove_coordinator(role),
        _(
            "%(name)s är inte längre samordnare för %(organization)s.",
            name=role.user.name,
            organization=role.organization.name,
        ),
        url_for(".coordinators"),
    )


# --- Scheduled jobs and the e-mail outbox ------------------------------------------------------

EMAILS_SHOWN = 100


@bp.route("/jobb")
def jobs():
    """What the scheduled jobs did and when they run next, and e-mail that could not be sent."""
    now = dates.now()
    return render_template(
        "admin/jobs.html",
        jobs=job_rows(now=now),
        runs=recent_runs(),
        leader=leader_status(now=now),
        outbox=outbox_counts(),
        failed=db.session.scalars(failed_emails(_region_id()).limit(EMAILS_SHOWN)).all(),
        logged=db.session.scalars(logged_emails(_region_id()).limit(EMAILS_SHOWN)).all(),
        form=EmptyForm(),
        summary_text=summary_text,
    )


@bp.post("/jobb/epost/<id:notification_id>/skicka-igen")
def email_retry(notification_id: int):
    note = db.one_or_404(failed_emails(_region_id()).where(Notification.id == notification_id))
    return _button_action(
        lambda: retry_email(note),
        _("E-postmeddelandet skickas igen inom en minut."),
        url_for(".jobs"),
    )
