"""Schema-driven fuzzing: schemathesis generates requests from /api/v1/schema/ and calls the app in-process.

Every operation, as a clerk (who may write) and as a reviewer (who may run the
workflow), with every check schemathesis has: no 500, every status code,
header and body as the schema documents it, schema-valid requests accepted
and schema-violating ones refused. Bounded by `max_examples` so it runs in
well under a minute.

The schema is generated inside the test, from the test database: it
enumerates the catalogue's indicator and group codes (api.schema.postprocess).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings

from reform_portal.wsgi import application
from tests.api.conftest import token_client

# The operations, known from the URLs alone (no database needed to list them).
OPERATIONS = [
    ("GET", "/api/v1/activities/"),
    ("POST", "/api/v1/activities/"),
    ("GET", "/api/v1/activities/{id}/"),
    ("GET", "/api/v1/activities/{id}/attachments/"),
    ("POST", "/api/v1/activities/{id}/attachments/"),
    ("GET", "/api/v1/aggregates/"),
    ("GET", "/api/v1/campaigns/"),
    ("GET", "/api/v1/campaigns/{id}/"),
    ("GET", "/api/v1/indicators/"),
    ("GET", "/api/v1/indicators/{code}/"),
    ("GET", "/api/v1/org-units/"),
    ("GET", "/api/v1/org-units/{code}/"),
    ("GET", "/api/v1/reports/annual/{year}/"),
    ("GET", "/api/v1/submissions/"),
    ("GET", "/api/v1/submissions/{id}/"),
    ("POST", "/api/v1/submissions/{id}/approve/"),
    ("POST", "/api/v1/submissions/{id}/reopen/"),
    ("POST", "/api/v1/submissions/{id}/return/"),
    ("POST", "/api/v1/submissions/submit/"),
    ("GET", "/api/v1/values/"),
    ("POST", "/api/v1/values/"),
    ("GET", "/api/v1/values/csv/"),
]


@pytest.fixture
def live_schema(db):
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = application
    return raw, schema


def test_every_operation_is_fuzzed(live_schema):
    raw, _schema = live_schema
    assert sorted((m.upper(), p) for p, ops in raw["paths"].items() for m in ops) == sorted(OPERATIONS)


def test_schema_endpoint_serves_this_document(anon, live_schema):
    served = anon.get("/api/v1/schema/?format=json").json()
    assert served == live_schema[0]


@pytest.fixture(params=["clerk_can_loc", "reviewer"])
def fuzz_token(request, db):
    # Requests go through the real WSGI handler, whose end-of-request hook would close the test's
    # connection (it is inside a transaction); Django's own test client unhooks it the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield token_client(request.getfixturevalue(request.param))._credentials["HTTP_AUTHORIZATION"]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@override_settings(ALLOWED_HOSTS=["localhost", "testserver"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_operation_errors_or_breaks_its_schema(live_schema, fuzz_token, method, path):
    operation = live_schema[1][path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def run(case):
        case.call_and_validate(headers={"Authorization": fuzz_token})  # every check schemathesis has

    run()
