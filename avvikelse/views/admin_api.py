"""Administration of API clients (issue 16): register, rotate the token, revoke.

A token is shown once, on the page that answers the POST that made it, and never again: only
its SHA-256 digest is stored. Like every admin page, hidden (404) from everyone else, and a
client of another region does not exist here.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ..extensions import db
from ..forms import EmptyForm
from ..forms.admin import ApiClientForm
from ..models import ApiClient, Organization
from ..permissions import administrable, require_admin
from ..services import dates
from ..services.api_clients import clients, register_client, revoke_client, rotate_token
from ..services.case_page import region_organizations
from ..services.errors import WorkflowError

bp = Blueprint("admin_api", __name__, url_prefix="/admin/api-klienter")


@bp.before_request
def only_administrators():
    require_admin()


def _load(client_id: int) -> ApiClient:
    return db.one_or_404(administrable(ApiClient, current_user).where(ApiClient.id == client_id))


def _page(form: ApiClientForm, status: int = 200):
    rows = db.session.scalars(clients(current_user.organization.region_id)).all()
    return render_template("admin/api_clients.html", form=form, rows=rows), status


@bp.route("/", methods=["GET", "POST"])
def index():
    form = ApiClientForm()
    form.organization_id.choices = [SelectChoice("", _("Välj organisation"))] + [
        SelectChoice(o.id, o.name)
        for o in region_organizations(current_user.organization.region_id)
    ]
    if not form.validate_on_submit():
        return _page(form, 422 if request.method == "POST" else 200)
    organization = db.one_or_404(
        administrable(Organization, current_user).where(
            Organization.id == form.organization_id.data
        )
    )
    try:
        client, token = register_client(
            name=form.name.data,
            organization=organization,
            scopes=form.scopes.data,
            actor=current_user,
            now=dates.now(),
        )
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _page(form, 422)
    db.session.commit()
    return render_template("admin/api_token.html", client=client, token=token)


@bp.post("/<id:client_id>/nytt-token")
def rotate(client_id: int):
    client = _load(client_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        token = rotate_token(client, now=dates.now())
    except WorkflowError as error:
        flash(str(error), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    return render_template("admin/api_token.html", client=client, token=token)


@bp.post("/<id:client_id>/aterkalla")
def revoke(client_id: int):
    client = _load(client_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    revoke_client(client, now=dates.now())
    db.session.commit()
    flash(
        _("%(name)s är återkallad; dess nyckel fungerar inte längre.", name=client.name), "success"
    )
    return redirect(url_for(".index"))
