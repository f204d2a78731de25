"""WCAG 2 A/AA checks (axe-core, run inside Chromium) on the pages people work in.

Labels on every input, contrast, landmarks, headings, language of the page: what a screen reader
or a tired prosecutor at the end of the day needs. Serious and critical findings fail the test.
"""

from __future__ import annotations

import pytest

from exchange.demo import samples
from exchange.requests import services as cases
from tests.oidc_provider import ensure_installed
from tests.web.conftest import PASSWORD, page_federation

pytestmark = [pytest.mark.timeout(300)]

AXE_RUN = """
() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(result => result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                where: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))
"""


@pytest.fixture(scope="module")
def axe_source():
    try:
        folder = ensure_installed()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    return (folder / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    federation = page_federation(tmp_path_factory.mktemp("a11y"))
    ba = federation["BA"]
    amra = ba.actor("amra.hadzic")
    case, request = cases.create_request(
        ba.node, amra, recipient="RS", message_type="request.mla", body=samples.sample("request.mla")
    )
    cases.submit(ba.node, amra, request.id)
    _draft_case, draft = cases.create_request(
        ba.node, amra, recipient="RS", message_type="request.mla", body={"language": "bs"}
    )
    _case, full = cases.create_request(
        ba.node, amra, recipient="RS", message_type="request.mla", body=samples.sample("request.mla")
    )
    yield federation, case.id, request.id, draft.id, full.id
    federation.close()


def _violations(browser, member, username, paths, axe_source):
    # axe is added from the test, not served by the node: the page's CSP rightly refuses it.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(member.url + "/login")
    found = {}
    for path in ["/login", *paths]:
        if path != "/login" and "mlx_session" not in {c["name"] for c in context.cookies()}:
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_url("**/dashboard")
        page.goto(member.url + path)
        page.evaluate(axe_source)
        serious = [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]
        if serious:
            found[path] = serious
    context.close()
    return found


def test_the_pages_of_a_prosecutor_meet_wcag_aa(browser, fed, axe_source):
    federation, case_id, _request_id, draft_id, full_id = fed
    paths = ["/dashboard", "/cases", f"/cases/{case_id}", "/requests/new", f"/drafts/{draft_id}?step=0",
             f"/drafts/{draft_id}?step=3", f"/drafts/{draft_id}/review", f"/drafts/{full_id}/review",
             f"/drafts/{full_id}/translations/sr-Cyrl", "/account"]  # fmt: skip
    assert _violations(browser, federation["BA"], "amra.hadzic", paths, axe_source) == {}


def test_the_approval_screen_and_the_audit_trail_meet_wcag_aa(browser, fed, axe_source):
    federation, _case_id, request_id, _draft_id, _full_id = fed
    assert (
        _violations(browser, federation["BA"], "selma.begic", ["/approvals", f"/messages/{request_id}"], axe_source)
        == {}
    )
    assert _violations(browser, federation["BA"], "ivo.maric", ["/audit"], axe_source) == {}
