"""The translation page of a draft, over real HTTP: what it saves, what it refuses, what it hides."""

from __future__ import annotations

import re

import pytest
import requests

from exchange.demo import samples
from exchange.requests import services as cases
from exchange.web.i18n import t
from tests.web.conftest import PASSWORD, page_federation

FACTS_EN = "From March to September 2026 the group recruited women from Prijedor to work in Novi Sad."


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    federation = page_federation(tmp_path_factory.mktemp("translations"))
    yield federation
    federation.close()


@pytest.fixture
def draft(fed):
    ba = fed["BA"]
    _case, message = cases.create_request(
        ba.node, ba.actor("amra.hadzic"), recipient="RS", message_type="request.mla", body=samples.sample("request.mla")
    )
    return message.id


def _signed_in(member, username="amra.hadzic"):
    session = requests.Session()
    response = session.post(member.url + "/login", data={"username": username, "password": PASSWORD}, timeout=30)
    assert response.url.endswith("/dashboard")
    return session


def _form(html: str) -> dict[str, str]:
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
        "version": re.search(r'name="version" value="(\d+)"', html).group(1),
    }


def _body(fed, message_id):
    ba = fed["BA"]
    return cases.get_message(ba.node, ba.actor("amra.hadzic"), message_id)[1].body


def test_a_translation_is_saved_beside_the_texts_it_translates_and_can_be_removed(fed, draft):
    ba = fed["BA"]
    session = _signed_in(ba)
    url = f"{ba.url}/drafts/{draft}/translations/en"
    page = session.get(url, timeout=30)
    assert page.status_code == 200
    original = samples.sample("request.mla")
    # Every free text of the draft, nested ones included, each with its own box.
    for path in ("facts_summary", "offences.0.statutory_provisions", "assistance_sought.0.details.questions.1"):
        assert f'name="t.{path}"' in page.text
    assert 'name="t.channel"' not in page.text  # a code is shown in the reader's language, never translated
    assert original["facts_summary"] in page.text

    saved = session.post(
        url, data={**_form(page.text), "t.facts_summary": FACTS_EN, "translated_by": "J. Marić"}, timeout=30
    )
    assert saved.url.endswith("/review")
    assert t("translation.saved", "bs") in saved.text
    assert _body(fed, draft)["translations"] == [
        {"language": "en", "texts": {"facts_summary": FACTS_EN}, "translated_by": "J. Marić"}
    ]
    assert FACTS_EN in saved.text  # the review's document shows it beside the original

    page = session.get(url, timeout=30)
    assert FACTS_EN in page.text  # the page comes back with what was saved
    removed = session.post(url, data={**_form(page.text), "remove": "1"}, timeout=30)
    assert t("translation.removed", "bs") in removed.text
    assert "translations" not in _body(fed, draft)


def test_the_texts_own_language_and_unknown_tags_have_no_page(fed, draft):
    session = _signed_in(fed["BA"])
    for tag in ("bs", "xx", "en-GB"):
        assert session.get(f"{fed['BA'].url}/drafts/{draft}/translations/{tag}", timeout=30).status_code == 404


def test_someone_elses_draft_is_neither_shown_nor_changed(fed, draft):
    ba = fed["BA"]
    session = _signed_in(ba, "dragan.petrovic")
    url = f"{ba.url}/drafts/{draft}/translations/en"
    page = session.get(url, timeout=30)
    assert page.status_code in (403, 404)
    assert samples.sample("request.mla")["facts_summary"] not in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(f"{ba.url}/dashboard", timeout=30).text)
    forged = session.post(url, data={"csrf_token": token.group(1), "version": "1", "t.facts_summary": "x"}, timeout=30)
    assert forged.status_code in (403, 404)
    assert "translations" not in _body(fed, draft)


def test_a_stale_page_changes_nothing_and_an_overlong_text_is_refused_beside_it(fed, draft):
    ba = fed["BA"]
    session = _signed_in(ba)
    url = f"{ba.url}/drafts/{draft}/translations/sr-Cyrl"
    stale = _form(session.get(url, timeout=30).text)
    session.post(url, data={**stale, "t.facts_summary": "Прва верзија."}, timeout=30)
    second = session.post(url, data={**stale, "t.facts_summary": "Друга верзија."}, timeout=30)
    assert t("flash.stale", "bs") in second.text
    assert _body(fed, draft)["translations"][0]["texts"] == {"facts_summary": "Прва верзија."}

    page = session.get(url, timeout=30)
    refused = session.post(url, data={**_form(page.text), "t.facts_summary": "ж" * 20_001}, timeout=30)
    assert refused.status_code == 422
    assert 'class="field-errors"' in refused.text
    assert _body(fed, draft)["translations"][0]["texts"] == {"facts_summary": "Прва верзија."}


def test_a_translation_attached_through_the_api_in_another_language_stays_editable(fed, draft):
    ba = fed["BA"]
    amra = ba.actor("amra.hadzic")
    body = _body(fed, draft) | {"translations": [{"language": "de", "texts": {"facts_summary": "Der Sachverhalt."}}]}
    version = cases.get_message(ba.node, amra, draft)[1].message.version
    cases.update_draft(ba.node, amra, draft, body, expected_version=version)
    session = _signed_in(ba)
    review = session.get(f"{ba.url}/drafts/{draft}/review", timeout=30)
    assert f'href="/drafts/{draft}/translations/de"' in review.text
    page = session.get(f"{ba.url}/drafts/{draft}/translations/de", timeout=30)
    assert page.status_code == 200
    assert "Der Sachverhalt." in page.text


def test_a_draft_translation_without_its_language_yet_does_not_break_the_review(fed, draft):
    ba = fed["BA"]
    amra = ba.actor("amra.hadzic")
    body = _body(fed, draft) | {"translations": [{"texts": {"facts_summary": "The facts."}}]}
    version = cases.get_message(ba.node, amra, draft)[1].message.version
    cases.update_draft(ba.node, amra, draft, body, expected_version=version)  # a draft may be incomplete
    review = _signed_in(ba).get(f"{ba.url}/drafts/{draft}/review", timeout=30)
    assert review.status_code == 200
    assert 'class="ready"' not in review.text  # and it cannot be submitted like that
