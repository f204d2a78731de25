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


def _template_sentences() -> set[str]:
    """Every sentence the templates can give as an error, run-time parts written `{}`."""
    import ast

    from protocols.v1 import bodies
    from protocols.v1.templates import base, eio, mla, replies

    found = set()
    for module in (bodies, base, eio, mla, replies):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        parts = {id(value) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for value in node.values}
        for node in ast.walk(tree):
            if id(node) in docstrings or id(node) in parts:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            elif isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            else:
                continue
            if (text[:1].isupper() or text.startswith("{}")) and text.endswith(".") and " " in text:
                found.add(text)
    return found


def test_every_sentence_of_the_templates_is_said_in_every_language():
    from exchange.web.i18n import RULES, error_text

    sentences = _template_sentences()
    assert len(sentences) > 30  # the scan finds them at all
    for sentence in sentences:
        sample = sentence.replace("{}", "P1, W2")
        for language in LANGUAGES:
            shown = error_text(sample, language)
            assert shown != sample or language == "en", f"{sentence!r} is not translated into {language}"
            assert "{" not in shown, sentence
    assert set(RULES.values()) <= set(EN)
    # One sentence comes from the case service, which checks a decision's instrument against its case.
    services = (Path(__file__).resolve().parents[3] / "exchange" / "requests" / "services.py").read_text("utf-8")
    said = sentences | {text for text in RULES if f'"{text}"' in services}
    assert {re.sub(r"\{[a-z_]+\}", "{}", text) for text in RULES} <= said, "a rule nothing says any more"


def test_a_rule_keeps_what_was_filled_in():
    from exchange.web.i18n import error_text

    shown = error_text("Measures name persons not listed: P3, W7.", "mk")
    assert shown == t("rule.persons_not_listed", "mk", refs="P3, W7")
    assert "P3, W7" in shown
    assert error_text("Required unless the request only asks for service of documents.", "hr").startswith("Obvezno")
    assert error_text("Shorter than minimum length 1.", "sq") == t("form.err.too_short", "sq", min="1")
