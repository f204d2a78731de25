"""The pages as people use them, in headless Chromium: a request drafted with the wizard in Bosnian,
approved by the BA contact point, read, registered, routed and acknowledged in Serbian Cyrillic at
RS, printed as a PDF; the auditor's trail; and what someone outside the case sees.

The tests of this module follow one case in order (they share the nodes).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from exchange.requests.models import Case
from exchange.web.i18n import t
from protocols.v1.i18n import label
from tests.web.conftest import Person, page_federation

pytestmark = [pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    federation = page_federation(tmp_path_factory.mktemp("browser"))
    yield federation
    federation.close()


@pytest.fixture(scope="module")
def story():
    return {}


TRANSLATED_FACTS = "Од марта до септембра 2026. група је врбовала жене из Приједора за рад у Новом Саду."


def _case_id(page) -> str:
    return re.search(r"/cases/([0-9a-f-]{36})", page.url).group(1)


def test_a_prosecutor_drafts_a_request_step_by_step_with_errors_shown_beside_the_fields(browser, fed, story):
    amra = Person(browser, fed["BA"], "amra.hadzic").sign_in()
    page = amra.page
    assert page.locator("html").get_attribute("lang") == "bs"
    page.click("a[href='/requests/new']")
    page.check("input[name=recipient][value=RS]")
    page.click("form[action='/requests/new'] button[type=submit]")
    page.wait_for_url(re.compile(r"/drafts/[0-9a-f-]+\?step=0"))
    draft_url = page.url.split("?")[0]
    story["draft_path"] = draft_url.split(amra.member.url, 1)[1]

    # Step 1: references, legal basis, channel (the states are filled in from the two nodes).
    assert page.input_value("[name=requesting_state]") == "BA"
    assert page.input_value("[name=requested_state]") == "RS"
    page.fill("[name=our_reference]", "T20 0 KTO 0000200 26")
    page.select_option("[name='legal_basis.0.code']", "ETS030")
    page.select_option("[name=channel]", "judicial_direct")
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"step=1"))

    # Step 2: a wrong e-mail address is shown beside its field, in the prosecutor's language.
    assert page.input_value("[name='requesting_authority.official_name']") == "Tužilaštvo Bosne i Hercegovine"
    page.fill("[name='requesting_authority.contact.name']", "Amra Hadžić")
    page.fill("[name='requesting_authority.contact.email']", "amra.hadzic-at-tuzilastvo")
    page.fill("[name='contact_for_execution.name']", "Amra Hadžić")
    page.click("button[name=go][value=next]")
    error = page.locator("#err-requesting_authority\\.contact\\.email")
    assert error.inner_text().strip() == t("form.err.email", "bs")
    assert page.get_attribute("[name='requesting_authority.contact.email']", "aria-invalid") == "true"
    page.fill("[name='requesting_authority.contact.email']", "amra.hadzic@tuzilastvo.example.ba")
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"step=2"))

    # Step 3 (urgency) is optional; step 4: proceedings and the offence.
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"step=3"))
    page.select_option("[name='proceedings.stage']", "investigation")
    page.fill("[name='proceedings.nature']", "Istraga protiv organizovane grupe zbog trgovine ljudima.")
    page.fill("[name='offences.0.legal_classification']", "Trgovina ljudima")
    page.fill("[name='offences.0.statutory_provisions']", "Član 186. stav 1. Krivičnog zakona BiH")
    page.fill("[name='offences.0.max_penalty_years']", "20")
    page.fill(
        "[name=facts_summary]", "Od marta do septembra 2026. grupa je vrbovala žene iz Prijedora za rad u Novom Sadu."
    )
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"step=4"))
    page.click("button[name=go][value=next]")  # persons: none needed for a records extract
    page.wait_for_url(re.compile(r"step=5"))

    # Step 6: the measure; what its code needs appears once it is chosen and saved.
    page.select_option("[name='assistance_sought.0.code']", "judicial_records_extract")
    page.fill("[name='assistance_sought.0.description']", "Izvod iz kaznene evidencije za osumnjičenog.")
    page.fill("[name=link_facts_to_measures]", "Ranije osude utiču na kvalifikaciju djela.")
    page.click("button[name=go][value=stay]")
    assert page.locator("p.hint", has_text=t("form.no_details", "bs")).is_visible()
    page.click("button[name=go][value=next]")
    page.screenshot(path="/tmp/step6.png", full_page=True)
    page.wait_for_url(re.compile(r"step=6"))

    # The review lists what is still missing, with a link to the step that asks for it.
    page.click("a[href$='/review']")
    problems = page.locator("section.problems")
    assert problems.is_visible()
    assert label("MlaRequest.signature", "bs") in problems.inner_text()
    assert page.is_disabled("form[action$='/submit'] button")
    problems.locator("a", has_text=label("MlaRequest.signature", "bs")).first.click()
    page.fill("[name='signature.signer_name']", "Amra Hadžić")
    page.fill("[name='signature.post_title_grade']", "Tužiteljica")
    page.fill("[name='signature.date']", "2026-11-22")
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"/review$"))
    assert page.locator("p.ready").is_visible()

    # A translation into Serbian Cyrillic for the other side: each text beside its box.
    page.click("section.translations a[lang=sr-Cyrl]")
    page.wait_for_url(re.compile(r"/translations/sr-Cyrl$"))
    pair = page.locator(".translation-pair", has=page.locator("#t-facts_summary"))
    assert pair.locator("blockquote[lang=bs]").inner_text().startswith("Od marta do septembra 2026.")
    assert page.get_attribute("#t-facts_summary", "lang") == "sr-Cyrl"
    page.fill("#t-facts_summary", TRANSLATED_FACTS)
    page.fill("#translated_by", "Sudski tumač Jelena Marić")
    page.click("form.wizard button.primary")
    page.wait_for_url(re.compile(r"/review$"))
    assert page.locator(".flash", has_text=t("translation.saved", "bs")).is_visible()
    attached = page.locator("section.translations li").inner_text()
    assert attached.startswith("Српски (ћирилица)")
    assert attached.endswith(t("review.translation_count", "bs", count=1))
    assert TRANSLATED_FACTS in page.locator("article.document .translation[lang=sr-Cyrl]").inner_text()

    page.click("form[action$='/submit'] button")
    page.wait_for_url(re.compile(r"/cases/"))
    story["ba_case"] = _case_id(page)
    assert page.locator(".state", has_text=t("state.submitted", "bs")).count() >= 1
    # A prosecutor has no approval screen: four eyes.
    assert page.locator("a[href='/approvals']").count() == 0
    amra.close()


def test_the_contact_point_approves_and_the_request_leaves(browser, fed, story):
    selma = Person(browser, fed["BA"], "selma.begic").sign_in()
    page = selma.page
    pending = page.locator("#h-approvals").locator("xpath=..").locator("a")
    assert pending.count() == 1
    pending.first.click()
    assert page.locator(".approve-box").is_visible()
    page.click("form[action$='/approve'] button")
    page.wait_for_url(re.compile(r"/cases/"))
    fed.settle()
    page.reload()
    assert page.locator(".state", has_text=t("state.delivered", "bs")).count() >= 1
    selma.close()


def test_the_receiving_contact_point_reads_it_in_cyrillic_registers_and_routes_it(browser, fed, story):
    marija = Person(browser, fed["RS"], "marija.ilic").sign_in()
    page = marija.page
    assert page.locator("html").get_attribute("lang") == "sr-Cyrl"
    page.locator("#h-register").locator("xpath=..").locator("a").first.click()
    story["rs_case"] = _case_id(page)
    body = page.locator("article.document").first.inner_text()
    assert label("MlaRequest.legal_basis", "sr-Cyrl") in body  # the structure in the reader's language
    assert "Trgovina ljudima" in body  # free text as it was written
    assert t("doc.written_in", "sr-Cyrl", language="Bosanski") in body
    # The translation attached in BA, beside the original it translates.
    translation = page.locator("article.document .translation[lang=sr-Cyrl]").first
    assert TRANSLATED_FACTS in translation.inner_text()
    assert "Od marta do septembra 2026." in translation.locator("xpath=..").inner_text()
    assert page.locator(".verification.ok").first.inner_text().startswith(t("verify.ok", "sr-Cyrl"))
    chain = page.locator(".approvals").first.inner_text()
    assert "Amra Hadžić" in chain
    assert "Selma Begić" in chain
    page.fill("#our_reference", "МП 41/26")
    page.click("form[action$='/register'] button")
    page.wait_for_selector("#target")
    page.select_option("#target", page.locator("#target option", has_text="Милош Јовановић").get_attribute("value"))
    page.click("form[action$='/route'] button")
    page.wait_for_selector(".state-routed")
    marija.close()


def test_the_assigned_prosecutor_acknowledges_and_the_requesting_side_sees_it(browser, fed, story):
    milos = Person(browser, fed["RS"], "milos.jovanovic").sign_in()
    page = milos.page
    page.goto(milos.member.url + f"/cases/{story['rs_case']}")
    page.select_option("#message_type", "ack.receipt")
    page.click("form[action$='/reply'] button")
    page.wait_for_url(re.compile(r"/drafts/"))
    assert page.input_value("[name=our_reference]") == "МП 41/26"
    assert page.input_value("[name=their_reference]") == "T20 0 KTO 0000200 26"
    page.fill("[name=received_on]", "2026-11-22")
    page.fill("[name='receiving_authority.official_name']", "Тужилаштво за организовани криминал")
    page.fill("[name='receiving_authority.contact.name']", "Милош Јовановић")
    page.click("button[name=go][value=next]")
    page.wait_for_url(re.compile(r"/review$"))
    page.click("form[action$='/submit'] button")
    milos.close()

    marija = Person(browser, fed["RS"], "marija.ilic").sign_in()
    marija.page.locator("#h-approvals").locator("xpath=..").locator("a").first.click()
    marija.page.click("form[action$='/approve'] button")
    marija.close()
    fed.settle()
    with fed["BA"].node.db.sessions() as session:
        assert session.scalar(select(Case.state).where(Case.id == story["ba_case"])) == "acknowledged"


def test_a_message_prints_as_a_pdf_in_the_readers_language(browser, fed, story):
    marija = Person(browser, fed["RS"], "marija.ilic").sign_in()
    page = marija.go(f"/cases/{story['rs_case']}")
    with page.expect_download() as download:
        page.locator("a[href$='/pdf']").first.click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert label("message_type.request.mla", "sr-Cyrl") in text
    marija.close()


def test_the_auditor_reads_the_trail_and_someone_outside_the_case_sees_nothing(browser, fed, story):
    ivo = Person(browser, fed["BA"], "ivo.maric").sign_in()
    page = ivo.go("/audit?action=message.approve_send")
    assert page.locator(".verification.ok").is_visible()
    assert page.locator("table.audit tbody tr").count() == 1
    ivo.close()
    dragan = Person(browser, fed["BA"], "dragan.petrovic").sign_in()
    page = dragan.go(f"/cases/{story['ba_case']}")
    assert page.locator("h1").inner_text() == t("error.title", "sr-Cyrl")
    missing = dragan.go("/cases/00000000-0000-4000-8000-000000000000")
    assert missing.locator("main").inner_text() == page.locator("main").inner_text()
    dragan.close()


def test_the_language_is_chosen_in_the_page(browser, fed):
    someone = Person(browser, fed["BA"], "amra.hadzic").sign_in()
    page = someone.page
    page.select_option("#language-choice", "sq")
    page.click("header form[action='/language'] button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "sq"
    assert page.locator("a[href='/dashboard']").inner_text() == t("nav.dashboard", "sq")
    page.select_option("#language-choice", "bs")
    page.click("header form[action='/language'] button")
    someone.close()
