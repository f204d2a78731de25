"""Signing in through a real OpenID Connect provider (npm oidc-provider, started here on loopback).

The node uses Authlib's client (discovery, state, nonce, PKCE S256, ID-token checks); the tests
drive the provider's own login and consent forms over HTTP and hand its redirect to the node.
"""

from __future__ import annotations

import shutil

import pytest
import requests

from exchange.auth import admin
from exchange.web.i18n import t
from tests import workflow
from tests.oidc_provider import OidcProvider, free_port, sign_in

pytestmark = [pytest.mark.oidc]

SECRET = "a-client-secret-for-the-ba-node-of-at-least-32-chars"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    if shutil.which("npm") is None:
        pytest.skip("npm is not on PATH: the OIDC test provider (tests/oidc) needs Node.js and npm")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    federation = workflow.build(
        tmp_path_factory.mktemp("oidc"),
        ("BA",),
        settings={
            "EXCHANGE_OIDC_ISSUER": issuer,
            "EXCHANGE_OIDC_CLIENT_ID": "ba-node",
            "EXCHANGE_OIDC_CLIENT_SECRET": SECRET,
            "EXCHANGE_OIDC_NAME": "eID BiH (test)",
            "EXCHANGE_LOCAL_LOGIN": "false",
        },
    )
    ba = federation["BA"]
    clients = [{"client_id": "ba-node", "client_secret": SECRET, "redirect_uris": [ba.url + "/login/oidc/callback"]}]
    provider = OidcProvider.start(clients, port=port)
    office = ba.staff.authorities[1]
    admin.create_user(
        ba.node, ba.actor("admin.ba"), username="emina.alic", display_name="Emina Alić", authority_id=office.id,
        roles=["prosecutor"], email="Emina.Alic@idp.test",
    )  # fmt: skip
    yield ba, provider
    provider.stop()
    federation.close()


def _oidc_sign_in(ba, login):
    """The whole round trip, as a browser makes it; returns the node's last answer."""
    browser = requests.Session()
    start = browser.get(ba.url + "/login/oidc", allow_redirects=False, timeout=30)
    assert start.status_code == 302
    back = sign_in(requests.Session(), start.headers["Location"], login)
    return browser, browser.get(back, allow_redirects=False, timeout=30)


def test_the_login_page_offers_the_identity_provider_and_no_password(setup):
    ba, _provider = setup
    page = requests.get(ba.url + "/login", timeout=30).text
    assert "eID BiH (test)" in page
    assert 'name="password"' not in page


def test_an_enrolled_person_signs_in_and_is_linked_by_verified_email(setup):
    ba, provider = setup
    browser, answer = _oidc_sign_in(ba, "emina.alic")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/dashboard"
    dashboard = browser.get(ba.url + "/dashboard", timeout=30)
    assert "Emina Alić" in dashboard.text
    with ba.node.db.sessions() as session:
        from exchange.auth.models import User

        user = session.query(User).filter_by(username="emina.alic").one()
    assert (user.oidc_issuer, user.oidc_subject) == (provider.issuer, "emina.alic")
    # The next time the provider's subject alone identifies her.
    _browser, again = _oidc_sign_in(ba, "emina.alic")
    assert again.headers["Location"] == "/dashboard"


def test_someone_not_enrolled_on_this_node_is_refused(setup):
    ba, _provider = setup
    _browser, answer = _oidc_sign_in(ba, "somebody.else")
    assert answer.status_code == 403
    assert t("login.not_enrolled", "en") in answer.text
    assert "mlx_session" not in answer.headers.get("Set-Cookie", "")


def test_a_forged_or_replayed_callback_is_refused(setup):
    ba, _provider = setup
    browser = requests.Session()
    start = browser.get(ba.url + "/login/oidc", allow_redirects=False, timeout=30)
    back = sign_in(requests.Session(), start.headers["Location"], "emina.alic")
    forged = back.replace("state=", "state=x")
    answer = browser.get(forged, allow_redirects=False, timeout=30)
    assert answer.status_code == 401
    # A callback taken from someone else's browser (no matching state in this browser) fails too.
    stranger = requests.get(back, allow_redirects=False, timeout=30)
    assert stranger.status_code == 401
