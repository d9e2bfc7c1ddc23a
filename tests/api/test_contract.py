"""Contract tests (issue 16 point 5): schemathesis generates requests from the OpenAPI document
and sends them to the app through WSGI; no response may be a 5xx or break the document's
schema. Bounded per operation so the whole run takes a minute or two."""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from avvikelse import create_app

from ..conftest import BASE_TEST_CONFIG
from .conftest import bearer

MAX_EXAMPLES = 25


# The document needs no database: it is read once from an app of its own, and every case is
# sent to the test's app, which holds the region, the case and the clients.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"}),
)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_keeps_its_contract(case, app, token):
    case.call_and_validate(
        session=app.test_client(),
        headers=bearer(token),
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
        ],
    )
