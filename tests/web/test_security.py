"""Sessions, CSRF, cookies, headers and login limits of the pages, over real HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from exchange.auth import admin
from exchange.auth.policy import Actor
from tests import workflow
from tests.web.conftest import PASSWORD


@pytest.fixture
def fed(tmp_path):
    federation = workflow.build(
        tmp_path, ("BA",), password=PASSWORD, settings={"EXCHANGE_LOGIN_ATTEMPTS_PER_MINUTE": "6"}
    )
    yield federation
    federation.close()


def _sign_in(member, username="amra.hadzic", password=PASSWORD, session=None):
    session = session or requests.Session()
    response = session.post(member.url + "/login", data={"username": username, "password": password}, timeout=30)
    return session, response


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_session_cookie_is_out_of_reach_of_scripts_and_other_sites(fed):
    _session, response = _sign_in(fed["BA"])
    cookie = next(c for c in response.history[0].raw.headers.getlist("Set-Cookie") if c.startswith("mlx_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_post_without_the_sessions_csrf_token_is_refused(fed):
    ba = fed["BA"]
    session, response = _sign_in(ba)
    token = _csrf(response.text)
    forged = session.post(ba.url + "/requests/new", data={"recipient": "BA", "kind": "request"}, timeout=30)
    assert forged.status_code == 403
    wrong = session.post(
        ba.url + "/requests/new", data={"recipient": "BA", "kind": "request", "csrf_token": "x" + token[1:]}, timeout=30
    )
    assert wrong.status_code == 403
    # Another person's token does not work either.
    _other, other_response = _sign_in(ba, "dragan.petrovic")
    stolen = session.post(
        ba.url + "/logout", data={"csrf_token": _csrf(other_response.text)}, allow_redirects=False, timeout=30
    )
    assert stolen.status_code == 403


def test_a_cross_site_login_post_is_refused(fed):
    ba = fed["BA"]
    response = requests.post(
        ba.url + "/login",
        data={"username": "amra.hadzic", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
        timeout=30,
    )
    assert response.status_code == 403


def test_sessions_end_when_idle_too_long_and_in_any_case_after_the_maximum(fed):
    ba = fed["BA"]
    session, _response = _sign_in(ba)
    assert session.get(ba.url + "/dashboard", allow_redirects=False, timeout=30).status_code == 200
    for _ in range(25):  # active all the time (25 × 29 min > 12 h), but the absolute limit still ends it
        fed.advance(timedelta(minutes=29))
        session.get(ba.url + "/dashboard", allow_redirects=False, timeout=30)
    assert session.get(ba.url + "/dashboard", allow_redirects=False, timeout=30).status_code == 302
    session, _response = _sign_in(ba)
    fed.advance(timedelta(minutes=31))
    idle = session.get(ba.url + "/dashboard", allow_redirects=False, timeout=30)
    assert idle.status_code == 302
    assert idle.headers["Location"].startswith("/login")


def test_signing_out_ends_the_session_for_good(fed):
    ba = fed["BA"]
    session, response = _sign_in(ba)
    stolen_cookie = session.cookies.get("mlx_session")
    session.post(ba.url + "/logout", data={"csrf_token": _csrf(response.text)}, timeout=30)
    replay = requests.get(
        ba.url + "/dashboard", cookies={"mlx_session": stolen_cookie}, allow_redirects=False, timeout=30
    )
    assert replay.status_code == 302


def test_a_disabled_account_loses_its_session_at_once(fed):
    ba = fed["BA"]
    session, _response = _sign_in(ba, "dragan.petrovic")
    admin_actor = ba.actor("admin.ba")
    user = ba.staff.user("dragan.petrovic")
    admin.update_user(ba.node, admin_actor, user.id, expected_version=None, active=False)
    assert session.get(ba.url + "/dashboard", allow_redirects=False, timeout=30).status_code == 302
    assert isinstance(admin_actor, Actor)


def test_logins_are_rate_limited_per_address_whatever_the_account(fed):
    ba = fed["BA"]
    statuses = [_sign_in(ba, f"nobody{i}", "wrong")[1].status_code for i in range(8)]
    assert statuses[:6] == [401] * 6
    assert statuses[6:] == [429, 429]
    fed.advance(timedelta(minutes=1))
    assert _sign_in(ba)[1].status_code == 200


def test_the_login_page_does_not_redirect_elsewhere(fed):
    ba = fed["BA"]
    session = requests.Session()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = session.post(
            ba.url + "/login",
            data={"username": "amra.hadzic", "password": PASSWORD, "next": target},
            allow_redirects=False,
            timeout=30,
        )
        assert response.headers["Location"] == "/dashboard", target
    inside = session.post(
        ba.url + "/login",
        data={"username": "amra.hadzic", "password": PASSWORD, "next": "/cases?state=draft"},
        allow_redirects=False,
        timeout=30,
    )
    assert inside.headers["Location"] == "/cases?state=draft"


def test_a_node_that_uses_the_identity_provider_takes_no_passwords(tmp_path):
    federation = workflow.build(tmp_path, ("BA",), password=PASSWORD, settings={"EXCHANGE_LOCAL_LOGIN": "false"})
    try:
        _session, response = _sign_in(federation["BA"])
        assert response.status_code == 403
        assert 'name="password"' not in response.text
    finally:
        federation.close()


def test_a_forged_forwarded_for_does_not_buy_more_attempts(fed):
    ba = fed["BA"]
    statuses = [
        requests.post(
            ba.url + "/login", data={"username": "x", "password": "y"}, headers={"X-Forwarded-For": f"10.0.0.{i}"},
            timeout=30,
        ).status_code
        for i in range(8)
    ]  # fmt: skip
    assert statuses[6:] == [429, 429]


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(tmp_path):
    federation = workflow.build(
        tmp_path, ("BA",), password=PASSWORD,
        settings={"EXCHANGE_LOGIN_ATTEMPTS_PER_MINUTE": "2", "EXCHANGE_TRUSTED_PROXIES": "1"},
    )  # fmt: skip
    try:
        ba = federation["BA"]

        def attempt(address):
            return requests.post(
                ba.url + "/login", data={"username": "x", "password": "y"}, headers={"X-Forwarded-For": address},
                timeout=30,
            ).status_code  # fmt: skip

        assert [attempt("192.0.2.1") for _ in range(3)] == [401, 401, 429]
        assert attempt("192.0.2.2") == 401
    finally:
        federation.close()
