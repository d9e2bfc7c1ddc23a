"""Mitt konto: the user's organization, unit, groups and roles, and when to get e-mail."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import sso
from ..extensions import db
from ..forms.account import EmailDeliveryForm
from ..models import EmailDelivery
from ..services import dates
from ..services.case_lists import account_overview
from ..services.notifications import email_delivery, set_email_delivery

bp = Blueprint("account", __name__, url_prefix="/konto")


def _page(form: EmailDeliveryForm, status: int = 200):
    overview = account_overview(current_user, now=dates.now())
    return render_template(
        "account/index.html", overview=overview, email_form=form, sign_ins=_sign_ins()
    ), status


def _sign_ins() -> list[tuple[str, object]]:
    """The identity providers linked to the account, so that a person can see that signing in
    there reaches this account (a provider no longer configured shows by its key)."""
    links = sorted(current_user.linked_identities, key=lambda link: link.linked_at)
    return [
        (provider.label if (provider := sso.provider(link.provider)) else link.provider, link)
        for link in links
    ]


@bp.route("/")
def index():
    return _page(EmailDeliveryForm(delivery=email_delivery(current_user).value))


@bp.post("/epost")
def email():
    form = EmailDeliveryForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    set_email_delivery(current_user, EmailDelivery(form.delivery.data), now=dates.now())
    db.session.commit()
    flash(_("Ditt val för e-post är sparat."), "success")
    return redirect(url_for(".index"))
