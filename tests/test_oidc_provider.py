"""The OIDC test harness itself, against the real oidc-provider: no mocks.

If these fail, every test of our OIDC login that uses the harness would fail for reasons that are not
ours; so the harness's own promises (discovery, the sign-in pages, the claims, a code that redeems)
are checked here, by hand, without our Flask app or Authlib in between.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.oidc_provider import OidcProvider, sign_in

pytestmark = [
    pytest.mark.oidc,
    pytest.mark.skipif(
        shutil.which("npm") is None,
        reason="npm is not on PATH: the OIDC test provider (tests/oidc, npm oidc-provider) needs Node.js and npm",
    ),
]

REDIRECT_URI = "http://127.0.0.1:1/auth/callback"  # never called: sign_in returns the redirect unfollowed
CLIENT_ID, CLIENT_SECRET = "mla-exchange", "harness-secret"
CLIENT = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [REDIRECT_URI]}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider.start([CLIENT]) as started:
        yield started


@pytest.fixture(scope="module")
def discovery(provider: OidcProvider) -> dict[str, Any]:
    response = requests.get(provider.metadata_url, timeout=5)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def _jwt_payload(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified: the harness test checks what the provider put in, not its signature."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_discovery_names_the_issuer_and_its_endpoints(provider: OidcProvider, discovery: dict[str, Any]) -> None:
    assert provider.issuer == f"http://127.0.0.1:{provider.port}"
    assert discovery["issuer"] == provider.issuer
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        assert discovery[endpoint].startswith(provider.issuer + "/"), endpoint
    assert "client_secret_basic" in discovery["token_endpoint_auth_methods_supported"]
    assert "S256" in discovery["code_challenge_methods_supported"]


def test_authorization_code_flow_with_pkce_yields_the_logins_id_token(
    provider: OidcProvider, discovery: dict[str, Any]
) -> None:
    login = "amra.hadzic"
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    authorization_url = f"{discovery['authorization_endpoint']}?{urlencode(query)}"

    with requests.Session() as browser:
        callback = sign_in(browser, authorization_url, login)

    assert callback.startswith(REDIRECT_URI + "?"), callback
    returned = parse_qs(urlsplit(callback).query)
    assert returned["state"] == [state]
    assert returned["iss"] == [provider.issuer]  # RFC 9207, on by default in oidc-provider 9
    code = returned["code"][0]

    token_response = requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),  # client_secret_basic
        timeout=5,
    )
    assert token_response.status_code == 200, token_response.text
    tokens = token_response.json()
    claims = _jwt_payload(tokens["id_token"])
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["sub"] == login
    assert claims["nonce"] == nonce
    assert claims["email"] == f"{login}@idp.test"
    assert claims["email_verified"] is True
    assert claims["name"] == "Amra Hadzic"


def test_stop_ends_the_process_and_frees_the_port() -> None:
    with OidcProvider.start([CLIENT]) as started:
        assert requests.get(started.metadata_url, timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(started.metadata_url, timeout=2)
