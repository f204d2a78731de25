"""Schemathesis against the node's own OpenAPI document, over real HTTP: no input it generates
gets a 5xx, and every response matches the documented schema, status codes and content type.

Every other default check runs (schema-invalid input must be rejected, auth must not be ignored,
...). Not "schema-valid input must be accepted": a body that fits the API schema can still fail
its message template (checked field by field, 422) or the caller's role (403), both documented.

Driven through Hypothesis directly (one run per operation) rather than schemathesis' pytest
plugin, which does not work with the pytest this project uses.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from exchange.demo import samples
from exchange.requests import services as cases
from tests import workflow

pytestmark = [pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def node_under_test(tmp_path_factory):
    federation = workflow.build(tmp_path_factory.mktemp("fuzz"), ("BA", "RS"))
    ba = federation["BA"]
    # Something to find: a case with a draft, so ids in paths can hit real objects too.
    cases.create_request(
        ba.node, ba.actor("amra.hadzic"), recipient="RS", message_type="request.mla", body=samples.sample("request.mla")
    )
    yield ba
    federation.close()


def test_the_api_keeps_its_contract(node_under_test):
    schema = schemathesis.openapi.from_url(f"{node_under_test.url}/api/v1/openapi.json")
    # One of each role: a contact point, a prosecutor, an administrator, an auditor.
    tokens = [node_under_test.token(user) for user in ("selma.begic", "amra.hadzic", "admin.ba", "ivo.maric")]
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def run(case):
            for token in tokens:
                case.call_and_validate(
                    headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance]
                )

        try:
            run()
        except Exception as exc:
            failures[operation.label] = str(exc)[:3000]
    assert operations > 20
    assert failures == {}, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
