"""The central service against its own /openapi.json, with schemathesis: no 5xx, responses match."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.sync_helpers import REPORT_TOKEN, central_service


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    with central_service(tmp_path_factory.mktemp("central")) as (url, _):
        yield schemathesis.openapi.from_url(url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_service_conforms_to_its_own_openapi_description(case):
    # Rules a schema cannot say (a period must run forwards, at most 800 days) are 400s with a reason:
    # "valid by the schema, refused by the service" is allowed; a 5xx or an undocumented answer is not.
    case.call_and_validate(headers={"Authorization": f"Bearer {REPORT_TOKEN}"},
                           excluded_checks=[schemathesis.checks.positive_data_acceptance])
