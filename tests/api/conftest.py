"""API clients for the case world: one per organization, tokens kept for the requests."""

import pytest

from avvikelse.extensions import db
from avvikelse.services import dates
from avvikelse.services.api_clients import register_client
from avvikelse.services.dates import local_today

from .. import factories

ALL_SCOPES = ("report", "read", "answer")


@pytest.fixture
def api_world(app):
    """case_world (a case reported by the kommun's staff, concerning the region) and a client
    for the kommun, one for the region and one for Annanby; their tokens by name."""
    with app.app_context():
        w = factories.case_world()
        tokens = {}
        for name, organization in (
            ("kommun", w["kommun"]),
            ("region", w["regionorg"]),
            ("other", w["other"]),
        ):
            _client, tokens[name] = register_client(
                name=f"System {name}",
                organization=organization,
                scopes=ALL_SCOPES,
                actor=w["admin"],
                now=dates.now(),
            )
        db.session.commit()
        ids = {
            "deviation_id": w["deviation"].id,
            "kommun": w["kommun"].id,
            "regionorg": w["regionorg"].id,
            "other": w["other"].id,
            "category_id": w["category"].id,
        }
        emails = {name: w[name].email for name in ("chair", "admin", "region_coordinator")}
        ids["today"] = local_today(dates.now())  # the app's frozen clock, not the test's
    return {"tokens": tokens, "ids": ids, "emails": emails}


def bearer(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.fixture
def token(app, api_world):
    """The region's client, for the contract tests; the generator is not what is limited."""
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 100_000
    return api_world["tokens"]["region"]
