"""The sign-in rules on claims Authlib has already validated (services/single_sign_on.py): the
parts the provider tests (tests/test_single_sign_on.py) do not vary, such as the organization
claim and a token from the wrong issuer."""

import pytest
from sqlalchemy import select

from avvikelse.extensions import db
from avvikelse.models import AuditEntry, LinkedIdentity, User
from avvikelse.services.dates import now as clock_now
from avvikelse.services.single_sign_on import SignInRefused, sign_in
from avvikelse.sso import OidcProvider

ISSUER = "https://idp.test.example"


def provider(**overrides) -> OidcProvider:
    values = {
        "key": "hsa",
        "region": "testregion",
        "label": "SITHS",
        "issuer": ISSUER,
        "client_id": "avvikelse",
        "client_secret": "hemligt",
        "organization_claim": "hsa_org",
        "organizations": {"SE2321000001": "Testby kommun", "SE2321000002": "Region Test"},
    }
    return OidcProvider(**(values | overrides))


def claims(**overrides) -> dict:
    return {
        "iss": ISSUER,
        "sub": "person-1",
        "email": "member@test.example",
        "email_verified": True,
        "hsa_org": "SE2321000001",
    } | overrides


def test_the_organization_claim_must_name_the_accounts_organization(app, world):
    with app.app_context():
        user = sign_in(provider(), claims(), now=clock_now())
        assert user.id == world["member"]


@pytest.mark.parametrize("hsa_org", ["SE2321000002", "SE0000000000", None])
def test_another_or_no_organization_is_refused(app, world, hsa_org):
    with app.app_context():
        with pytest.raises(SignInRefused, match="annan organisation än Testby kommun") as refused:
            sign_in(provider(), claims(hsa_org=hsa_org), now=clock_now())
        assert refused.value.reason == "other_organization"
        assert db.session.scalar(select(LinkedIdentity)) is None
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.user_id, entry.action) == (world["member"], "sso_refused")


def test_a_configured_email_claim_is_read(app, world):
    with app.app_context():
        found = claims(email=None, mail="member@test.example", verified=True)
        custom = provider(
            email_claim="mail",
            email_verified_claim="verified",
            organization_claim=None,
            organizations={},
        )
        assert sign_in(custom, found, now=clock_now()).id == world["member"]


@pytest.mark.parametrize(
    ("changed", "reason"),
    [
        ({"iss": "https://another.example"}, "bad_token"),
        ({"sub": ""}, "bad_token"),
        ({"email": None}, "no_email"),
        ({"email": "   "}, "no_email"),
        ({"email_verified": 1}, "email_unverified"),
    ],
)
def test_unusable_claims_are_refused(app, world, changed, reason):
    with app.app_context():
        with pytest.raises(SignInRefused) as refused:
            sign_in(provider(), claims(**changed), now=clock_now())
        assert refused.value.reason == reason


def test_the_link_records_when_it_was_made_and_last_used(app, world, clock):
    with app.app_context():
        sign_in(provider(), claims(), now=clock_now())
        link = db.session.scalar(select(LinkedIdentity))
        assert link.linked_at == link.last_used_at == clock_now()
        assert db.session.get(User, world["member"]).last_login_at == clock_now()
