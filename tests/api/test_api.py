"""The REST API as a script sees it: real HTTP, personal tokens, one error shape, ETags, pages."""

from __future__ import annotations

import json

import pytest
import requests

from exchange.demo import samples
from tests import workflow


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    federation = workflow.build(tmp_path_factory.mktemp("api"), ("BA", "RS"))
    yield federation
    federation.close()


class Client:
    def __init__(self, member, username):
        self.base = member.url + "/api/v1"
        self.headers = {"Authorization": f"Bearer {member.token(username)}"}

    def __call__(self, method, path, *, expect=None, headers=None, **kwargs):
        response = requests.request(
            method, self.base + path, headers={**self.headers, **(headers or {})}, timeout=30, **kwargs
        )
        if expect is not None:
            assert response.status_code == expect, response.text
        return response


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def _draft(client, body=None):
    document = {"recipient": "RS", "message_type": "request.mla", "body": body or samples.sample("request.mla")}
    return client("POST", "/requests", json=document, expect=201).json()


def test_the_openapi_document_and_the_browsable_page(fed):
    spec = requests.get(fed["BA"].url + "/api/v1/openapi.json", timeout=30).json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/cases", "/api/v1/requests", "/api/v1/users", "/api/v1/authorities"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    page = requests.get(fed["BA"].url + "/api/v1/", timeout=30)
    assert page.status_code == 200
    assert "text/html" in page.headers["Content-Type"]
    assert "/api/v1/requests" in page.text
    assert "<script" not in page.text


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer mlx_not-a-real-token", "Basic dXNlcjpwdw=="])
def test_no_valid_token_no_entry(fed, header):
    response = requests.get(
        fed["BA"].url + "/api/v1/cases", headers={"Authorization": header} if header else {}, timeout=30
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _error(response)["code"] == "unauthenticated"


def test_a_request_goes_out_and_comes_back_answered_through_the_api(fed):
    ba, rs = fed["BA"], fed["RS"]
    amra, selma = Client(ba, "amra.hadzic"), Client(ba, "selma.begic")
    created = _draft(amra)
    message_id, case_id = created["message"]["id"], created["case"]["id"]
    amra("POST", f"/messages/{message_id}/submit", expect=200)
    assert [p["message"]["id"] for p in selma("GET", "/approvals", expect=200).json()] == [message_id]
    sent = selma("POST", f"/messages/{message_id}/approve", expect=200).json()
    assert sent["state"] == "sent"
    fed.settle()
    assert selma("GET", f"/cases/{case_id}", expect=200).json()["state"] == "delivered"

    marija, milos = Client(rs, "marija.ilic"), Client(rs, "milos.jovanovic")
    incoming = marija("GET", "/cases?direction=incoming", expect=200).json()[0]
    detail = marija("GET", f"/cases/{incoming['id']}", expect=200).json()
    request = detail["messages"][0]
    assert request["verification"] == {
        "signer_node": "BA",
        "signer_kid": request["verification"]["signer_kid"],
        "rechecked": True,
        "detail": "signatures and approval chain hold",
    }
    assert [a["role"] for a in request["approvals"]] == ["drafter", "approver"]
    authorities = marija("GET", "/authorities", expect=200).json()
    tok = next(a for a in authorities if a["name"] == "Тужилаштво за организовани криминал")
    prosecutors = marija("GET", f"/users?authority_id={tok['id']}&role=prosecutor", expect=200).json()
    assert [p["username"] for p in prosecutors] == ["milos.jovanovic"]
    marija("POST", f"/cases/{incoming['id']}/register", json={"our_reference": "MP 12/26"}, expect=200)
    marija(
        "POST", f"/cases/{incoming['id']}/route", json={"authority_id": tok["id"], "assignee_id": prosecutors[0]["id"]},
        expect=200,
    )  # fmt: skip
    for message_type in ("ack.receipt", "decision.recognition"):
        draft = milos(
            "POST", f"/cases/{incoming['id']}/messages",
            json={"message_type": message_type, "body": samples.sample(message_type)}, expect=201,
        ).json()  # fmt: skip
        milos("POST", f"/messages/{draft['id']}/submit", expect=200)
        marija("POST", f"/messages/{draft['id']}/approve", expect=200)
        fed.settle()
    assert selma("GET", f"/cases/{case_id}", expect=200).json()["state"] == "recognised"
    decisions = selma("GET", f"/cases/{case_id}/decisions", expect=200).json()
    assert [d["message_type"] for d in decisions] == ["decision.recognition"]
    assert decisions[0]["verification"]["rechecked"] is True
    moves = [t["to_state"] for t in selma("GET", f"/cases/{case_id}/transitions", expect=200).json()]
    assert moves == ["draft", "submitted", "sent", "delivered", "acknowledged", "recognised"]


def test_a_stale_update_gets_412_and_a_blind_one_428(fed):
    amra = Client(fed["BA"], "amra.hadzic")
    created = _draft(amra)
    path = f"/messages/{created['message']['id']}"
    etag = amra("GET", path, expect=200).headers["ETag"]
    changed = samples.sample("request.mla") | {"deadline": "2027-01-20"}
    assert _error(amra("PUT", path, json={"body": changed}, expect=428))["code"] == "precondition_required"
    newer = amra("PUT", path, json={"body": changed}, headers={"If-Match": etag}, expect=200)
    assert newer.headers["ETag"] != etag
    stale = amra("PUT", path, json={"body": samples.sample("request.mla")}, headers={"If-Match": etag}, expect=412)
    assert _error(stale)["code"] == "precondition_failed"
    assert amra("GET", path, expect=200).json()["body"]["deadline"] == "2027-01-20"


def test_a_wrong_form_gets_field_errors_and_nothing_is_saved(fed):
    amra = Client(fed["BA"], "amra.hadzic")
    before = json.loads(amra("GET", "/cases", expect=200).headers["X-Pagination"])["total"]
    body = samples.sample("request.mla")
    body["offences"][0]["max_penalty_years"] = "twenty"
    refused = amra(
        "POST", "/requests", json={"recipient": "RS", "message_type": "request.mla", "body": body}, expect=422
    )
    error = _error(refused)
    assert error["code"] == "invalid_body"
    assert "max_penalty_years" in error["fields"]["offences"]["0"]
    malformed = amra("POST", "/requests", data="{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code in (400, 422)
    assert _error(malformed)
    assert json.loads(amra("GET", "/cases", expect=200).headers["X-Pagination"])["total"] == before


def test_an_incomplete_draft_is_kept_and_its_submission_lists_what_is_missing(fed):
    amra = Client(fed["BA"], "amra.hadzic")
    body = samples.sample("request.mla")
    del body["requesting_authority"]
    created = _draft(amra, body)
    refused = amra("POST", f"/messages/{created['message']['id']}/submit", expect=422)
    assert _error(refused)["fields"] == {"requesting_authority": ["Missing data for required field."]}
    assert amra("GET", f"/cases/{created['case']['id']}", expect=200).json()["state"] == "draft"


def test_forbidden_and_missing_look_the_same_and_the_refusal_is_audited(fed):
    ba = fed["BA"]
    created = _draft(Client(ba, "amra.hadzic"))
    dragan = Client(ba, "dragan.petrovic")
    hidden = dragan("GET", f"/cases/{created['case']['id']}", expect=403)
    missing = dragan("GET", "/cases/00000000-0000-4000-8000-000000000000", expect=403)
    assert hidden.json() == missing.json()
    ivo = Client(ba, "ivo.maric")
    denials = ivo("GET", "/audit/events?action=denied", expect=200).json()
    assert any(created["case"]["id"] in e["details"]["request"] for e in denials)
    assert ivo("GET", "/audit/chain", expect=200).json()["intact"] is True
    assert _error(Client(ba, "selma.begic")("GET", "/audit/events", expect=403))["code"] == "forbidden"


def test_lists_are_paginated_and_filtered(fed):
    amra = Client(fed["BA"], "amra.hadzic")
    for _ in range(3):
        _draft(amra)
    first = amra("GET", "/cases?state=draft&page_size=2&page=1", expect=200)
    meta = json.loads(first.headers["X-Pagination"])
    assert len(first.json()) == 2
    assert meta["total"] >= 3
    assert meta["next_page"] == 2
    second = amra("GET", "/cases?state=draft&page_size=2&page=2", expect=200).json()
    assert not {c["id"] for c in first.json()} & {c["id"] for c in second}
    assert all(c["state"] == "draft" for c in second)
    assert _error(amra("GET", "/cases?state=nonsense", expect=422))["fields"]["state"]


def test_administrators_manage_people_and_nobody_else_does(fed):
    ba = fed["BA"]
    admin, amra = Client(ba, "admin.ba"), Client(ba, "amra.hadzic")
    canton = {
        "name": "Kantonalno tužilaštvo Tuzlanskog kantona",
        "kind": "prosecutor_office",
        "jurisdiction": "federation",
    }
    office = admin("POST", "/authorities", json=canton, expect=201).json()
    new = {
        "username": "lejla.kovacevic",
        "display_name": "Lejla Kovačević",
        "authority_id": office["id"],
        "roles": ["prosecutor"],
    }
    amra("POST", "/users", json=new, expect=403)
    user = admin("POST", "/users", json=new, expect=201)
    admin("POST", "/users", json=new, expect=409)
    path = f"/users/{user.json()['id']}"
    admin("PATCH", path, json={"active": False}, headers={"If-Match": user.headers["ETag"]}, expect=200)
    admin("PATCH", path, json={"active": True}, headers={"If-Match": user.headers["ETag"]}, expect=412)
    amra("PATCH", path, json={"roles": ["contact_point"]}, headers={"If-Match": '"2"'}, expect=403)
    me = amra("GET", "/me", expect=200)
    amra(
        "PATCH",
        f"/users/{me.json()['id']}",
        json={"language": "sr-Cyrl"},
        headers={"If-Match": me.headers["ETag"]},
        expect=200,
    )


def test_a_revoked_token_stops_working_at_once(fed):
    ba = fed["BA"]
    secret = ba.token("amra.hadzic")
    headers = {"Authorization": f"Bearer {secret}"}
    tokens = requests.get(ba.url + "/api/v1/tokens", headers=headers, timeout=30).json()
    mine = next(t for t in tokens if secret.startswith(t["prefix"]))
    assert requests.delete(ba.url + f"/api/v1/tokens/{mine['id']}", headers=headers, timeout=30).status_code == 204
    assert requests.get(ba.url + "/api/v1/me", headers=headers, timeout=30).status_code == 401
