"""Every word the pages show exists in every federation language, and no placeholder is lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exchange.requests import workflow as wf
from exchange.requests.models import MessageState
from exchange.web.forms import STEP_PLANS
from exchange.web.i18n import catalogue, t
from exchange.web.printing import CAPTIONS
from protocols.v1.i18n import LANGUAGES

EN = catalogue("en")
TEMPLATES = Path(__file__).resolve().parents[3] / "exchange" / "web"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _used_keys() -> set[str]:
    found = set()
    for path in [*TEMPLATES.glob("templates/*.html"), *TEMPLATES.glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"_\('([a-z_]+\.[a-z_.0-9]+)'", text))
        found |= set(re.findall(r"\bt\(\"([a-z_]+\.[a-z_.0-9]+)\"", text))
    # Families completed in the template (`'state.' ~ case.state`) are checked as `dynamic` below.
    return {key for key in found if not key.startswith("type.") and not key.endswith(("_", "."))}


def test_every_string_the_pages_use_is_in_the_catalogue():
    dynamic = {f"state.{s}" for s in {*wf.OUTGOING, *wf.INCOMING}}
    dynamic |= {f"message_state.{s}" for s in MessageState.ALL}
    dynamic |= {f"deadline.{k}" for k in ("acknowledge", "decide", "execute", "answer_questions")}
    dynamic |= {"new.instrument_mla", "new.instrument_eio", "reminder.due_soon", "reminder.overdue"}
    dynamic |= {f"role.{r}" for r in ("prosecutor", "contact_point", "node_admin", "auditor")}
    dynamic |= {"approval.drafter", "approval.approver", "direction.incoming", "direction.outgoing"}
    dynamic |= {"message.incoming", "message.outgoing"}
    dynamic |= {key for plan in STEP_PLANS.values() for key, _fields in plan} | {"step.form", "step.other"}
    dynamic |= {f"login.{e}" for e in ("failed", "too_many", "local_disabled", "oidc_failed", "not_enrolled")}
    dynamic |= {f"pdf.{caption}" for caption in CAPTIONS}
    missing = (_used_keys() | dynamic) - set(EN)
    assert missing == set()


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_language_has_every_string_with_its_placeholders(language):
    strings = catalogue(language)
    assert set(strings) == set(EN)
    for key, english in EN.items():
        assert strings[key].strip(), key
        assert sorted(PLACEHOLDER.findall(strings[key])) == sorted(PLACEHOLDER.findall(english)), key


def test_serbian_cyrillic_keeps_placeholders_and_commands():
    assert t("dashboard.hello", "sr-Cyrl", name="Марија").endswith("Марија")
    assert "`exchange token create`" in t("account.tokens_hint", "sr-Cyrl")
    assert not re.search("[A-Za-z]", t("nav.dashboard", "sr-Cyrl"))


def test_a_message_type_reads_as_its_template_label():
    assert t("type.request.mla", "sq") == "Kërkesë për ndihmë juridike të ndërsjellë"
