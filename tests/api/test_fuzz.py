"""Schema-driven fuzzing: schemathesis generates requests from /api/v1/schema/ and calls the app in-process.

Every operation, as a clerk (who may write) and as a reviewer (who may run the
workflow): no 500, every status code and body as the schema documents it.
Bounded by `max_examples` so it runs in well under a minute.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from reform_portal.wsgi import application
from tests.api.conftest import token_client

# The same document /api/v1/schema/ serves (test_schema_endpoint_serves_this_document checks it).
RAW = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(RAW)
schema.app = application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_schema_endpoint_serves_this_document(anon):
    served = anon.get("/api/v1/schema/?format=json").json()
    assert served["paths"].keys() == RAW["paths"].keys()


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
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_operation_errors_or_breaks_its_schema(case, fuzz_token):
    case.call_and_validate(headers={"Authorization": fuzz_token}, checks=CHECKS)
