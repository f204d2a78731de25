"""Every form the pages offer renders, in every language, for every message type: over real HTTP.

The browser tests follow one MLA request. This walks the rest: the EIO wizard (Croatia to
Slovenia) step by step, its review and translation pages, the reply forms for every answer each
side can give, and the incoming request's page at the executing node, in each of the eight
languages. A page that fails to render (a missing label, a widget a field type lacks) is a 500
here, not a prosecutor's surprise.
"""

from __future__ import annotations

import re

import pytest
import requests

from exchange.demo import samples
from exchange.requests import services as cases
from exchange.requests import workflow as wf
from protocols.v1.i18n import LANGUAGES, label
from tests.web.conftest import PASSWORD, page_federation


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    federation = page_federation(tmp_path_factory.mktemp("forms"), ("HR", "SI"))
    yield federation
    federation.close()


def _signed_in(member, username: str) -> requests.Session:
    session = requests.Session()
    response = session.post(member.url + "/login", data={"username": username, "password": PASSWORD}, timeout=30)
    assert response.url.endswith("/dashboard"), response.text[:500]
    return session


def _in(session: requests.Session, member, language: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(member.url + "/account", timeout=30).text)
    chosen = session.post(
        member.url + "/language", data={"csrf_token": token.group(1), "language": language, "next": "/dashboard"},
        timeout=30,
    )  # fmt: skip
    assert chosen.status_code == 200


@pytest.fixture(scope="module")
def eio(fed):
    """An EIO drafted at HR (kept as a draft) and one sent to SI, registered and routed there."""
    hr, si = fed["HR"], fed["SI"]
    ana = hr.actor("ana.horvat")
    _case, draft = cases.create_request(
        hr.node, ana, recipient="SI", message_type="request.eio", body=samples.sample("request.eio")
    )
    sent_case, request = cases.create_request(
        hr.node, ana, recipient="SI", message_type="request.eio", body=samples.sample("request.eio")
    )
    cases.submit(hr.node, ana, request.id)
    cases.approve(hr.node, hr.actor("petra.babic"), request.id)
    fed.settle()
    maja = si.actor("maja.kranjc")
    incoming = cases.list_cases(si.node, maja, direction="incoming").cases[0]
    cases.register(si.node, maja, incoming.id, our_reference="Ks 412/2026")
    cases.route(
        si.node, maja, incoming.id, authority_id=si.staff.authorities[1].id, assignee_id=si.actor("marko.novak").id
    )
    return {"draft": draft.id, "hr_case": sent_case.id, "si_case": incoming.id}


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_eio_wizard_review_and_translation_pages_render_in_every_language(fed, eio, language):
    hr = fed["HR"]
    session = _signed_in(hr, "ana.horvat")
    _in(session, hr, language)
    first = session.get(f"{hr.url}/drafts/{eio['draft']}?step=0", timeout=30)
    assert first.status_code == 200
    steps = len(re.findall(r'<li[^>]*><a href="/drafts/[^"]+\?step=\d+"', first.text))
    assert steps == 5  # Annex A in five steps: references; measures; offence; specific measures; authority
    for step in range(steps):
        page = session.get(f"{hr.url}/drafts/{eio['draft']}?step={step}", timeout=30)
        assert page.status_code == 200, (step, page.text[:300])
        assert f'lang="{language}"' in page.text
    review = session.get(f"{hr.url}/drafts/{eio['draft']}/review", timeout=30)
    assert review.status_code == 200
    assert label("message_type.request.eio", language) in review.text
    assert 'class="ready"' in review.text  # the sample is complete
    translation = session.get(f"{hr.url}/drafts/{eio['draft']}/translations/en", timeout=30)
    assert translation.status_code == 200
    assert 'name="t.section_c.measures_description"' in translation.text


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_incoming_eio_and_every_answer_form_render_in_every_language(fed, eio, language):
    si = fed["SI"]
    session = _signed_in(si, "marko.novak")
    _in(session, si, language)
    page = session.get(f"{si.url}/cases/{eio['si_case']}", timeout=30)
    assert page.status_code == 200
    assert label("EioRequest.section_c", language) in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    select = re.search(r'<select[^>]*name="message_type"[^>]*>(.*?)</select>', page.text, re.DOTALL)
    offered = re.findall(r'<option value="([a-z_.]+)"', select.group(1))
    # A routed EIO: its Annex B (not the general acknowledgement), questions, decisions, status, consultation.
    assert {"ack.eio", "info.request", "decision.recognition", "decision.refusal"} <= set(offered)
    assert "ack.receipt" not in offered
    assert set(offered) <= set(wf.REPLIES_ON_INCOMING)
    for message_type in offered:
        started = session.post(
            f"{si.url}/cases/{eio['si_case']}/reply",
            data={"csrf_token": token, "message_type": message_type},
            timeout=30,
        )
        assert started.status_code == 200, (message_type, started.text[:300])
        assert "/drafts/" in started.url, message_type
        assert label(f"message_type.{message_type}", language) in started.text
