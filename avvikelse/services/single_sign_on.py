"""Signing in with a region's identity provider (OpenID Connect, issue 16 point 3).

The provider vouches for who the person is; which account they get, and whether they get one,
is decided here. An identity is linked to an existing, active account of the provider's own
region the first time, by an e-mail address the provider says it has verified; nobody gets an
account, or a role, by signing in. The id_token's signature, issuer, audience, expiry and nonce
are checked by Authlib before the claims reach this module.
"""

import logging
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import db
from ..models import LinkedIdentity, User
from .accounts import find_user_by_email
from .audit import log_access
from .errors import WorkflowError

logger = logging.getLogger(__name__)


class SignInRefused(WorkflowError):
    """The provider's answer leads to no account here. `reason` is the audit log's word for it."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def sign_in(provider, claims, *, now: datetime) -> User:
    """The account the provider's claims sign into, linking the identity on first use.

    A refusal about a known account is written to that account's audit log (the view commits
    it); every refusal is logged for the operator.
    """
    subject = claims.get("sub")
    if claims.get("iss") != provider.issuer or not isinstance(subject, str) or not subject:
        _refuse(None, provider, "bad_token", _unusable_answer(provider))
    identity = db.session.scalar(
        select(LinkedIdentity).where(
            LinkedIdentity.issuer == provider.issuer, LinkedIdentity.subject == subject
        )
    )
    user = identity.user if identity is not None else _user_by_verified_email(provider, claims)
    _check_account(user, provider, claims, now=now)
    if identity is None:
        identity = LinkedIdentity(
            user=user,
            provider=provider.key,
            issuer=provider.issuer,
            subject=subject,
            linked_at=now,
            last_used_at=now,
        )
        db.session.add(identity)
    identity.last_used_at = now
    user.last_login_at = now
    log_access(user, "sso_login", now=now, detail=provider.label)
    db.session.flush()
    return user


def _user_by_verified_email(provider, claims) -> User:
    email = claims.get(provider.email_claim)
    if not isinstance(email, str) or not email.strip():
        _refuse(
            None,
            provider,
            "no_email",
            _(
                "Inloggningstjänsten %(provider)s skickade ingen e-postadress, så inloggningen "
                "kan inte kopplas till ett konto. Logga in med e-post och lösenord, eller be "
                "administratören om hjälp.",
                provider=provider.label,
            ),
        )
    # Only a JSON true counts: a missing claim or "false" says the provider has not checked
    # that the address is the person's, and then anyone could claim anyone's account.
    if claims.get(provider.email_verified_claim) is not True:
        _refuse(
            None,
            provider,
            "email_unverified",
            _(
                "Inloggningstjänsten %(provider)s har inte bekräftat att e-postadressen "
                "%(email)s är din, så den kan inte kopplas till ett konto här. Logga in med "
                "e-post och lösenord, eller be administratören om hjälp.",
                provider=provider.label,
                email=email,
            ),
        )
    user = find_user_by_email(email)
    if user is None:
        _refuse(
            None,
            provider,
            "unknown_email",
            _(
                "Det finns inget konto med e-postadressen %(email)s. Inloggning med "
                "%(provider)s skapar inga konton: be administratören för din organisation att "
                "lägga upp ett.",
                email=email,
                provider=provider.label,
            ),
        )
    return user


def _check_account(user: User, provider, claims, *, now: datetime) -> None:
    if user.organization.region.key != provider.region:
        _refuse(
            user,
            provider,
            "other_region",
            _(
                "Ditt konto hör till en annan region än inloggningstjänsten %(provider)s. "
                "Logga in med din egen regions inloggningstjänst eller med e-post och lösenord.",
                provider=provider.label,
            ),
            now,
        )
    if provider.organization_claim:
        named = provider.organizations.get(str(claims.get(provider.organization_claim, "")))
        if named != user.organization.name:
            _refuse(
                user,
                provider,
                "other_organization",
                _(
                    "Inloggningstjänsten %(provider)s anger en annan organisation än "
                    "%(organization)s, som ditt konto hör till. Be administratören om hjälp.",
                    provider=provider.label,
                    organization=user.organization.name,
                ),
                now,
            )
    if not user.active:
        _refuse(
            user, provider, "inactive", _("Kontot är inaktiverat. Kontakta administratören."), now
        )


def _unusable_answer(provider) -> str:
    return _(
        "Svaret från inloggningstjänsten %(provider)s gick inte att använda. Försök igen, eller "
        "logga in med e-post och lösenord.",
        provider=provider.label,
    )


def _refuse(user: User | None, provider, reason: str, message: str, now=None) -> None:
    logger.warning("single sign-on with %s refused: %s", provider.key, reason)
    if user is not None:
        log_access(user, "sso_refused", now=now, detail=f"{provider.label}: {reason}")
    raise SignInRefused(reason, message)
