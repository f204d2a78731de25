"""The words of the pages themselves (menus, buttons, headings), in the federation's languages.

Template labels and codes come from `protocols.v1.i18n`; these are the page's own strings. Serbian
Cyrillic is derived from Serbian Latin, as for the labels. A missing string falls back to English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from protocols.v1.i18n import DEFAULT, LANGUAGES, label, latin_to_cyrillic

_HERE = Path(__file__).resolve().parent


@cache
def catalogue(language: str) -> Mapping[str, str]:
    if language == "sr-Cyrl":
        return {key: _to_cyrillic(text) for key, text in catalogue("sr-Latn").items()}
    path = _HERE / f"{language}.json"
    if language not in LANGUAGES or not path.is_file():
        return {}
    loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


_PROTECTED = re.compile(r"(\{[a-z_]+\}|`[^`]*`)")


def _to_cyrillic(text: str) -> str:
    """Serbian Latin to Cyrillic, leaving {placeholders} and `commands` as they are."""
    parts = _PROTECTED.split(text)
    return "".join(part if _PROTECTED.fullmatch(part) else latin_to_cyrillic(part) for part in parts)


def t(key: str, language: str, /, **values: object) -> str:
    """The page string `key` in `language`, with `{name}` placeholders filled in.

    `type.<message type>` is the message type's own label from the template catalogue.
    """
    if key.startswith("type."):
        return label(f"message_type.{key[5:]}", language)
    text = catalogue(language).get(key) or catalogue(DEFAULT).get(key) or key
    return text.format(**values) if values else text


def best_language(accept: str | None) -> str:
    """The first federation language the browser's Accept-Language names (English otherwise)."""
    for part in (accept or "").split(","):
        tag = part.split(";", 1)[0].strip()
        if not tag:
            continue
        for candidate in (tag, tag.split("-", 1)[0]):
            for known in LANGUAGES:
                if known.lower() == candidate.lower():
                    return known
        if tag.lower().startswith("sr"):
            return "sr-Cyrl" if "cyrl" in tag.lower() else "sr-Latn"
        if tag.lower().startswith("me"):
            return "cnr"
    return DEFAULT


# The templates' own sentences (`protocols/v1/templates`), by their English text, and the key of
# their words in each language; `{name}` stands for a part filled in when the rule is broken (the
# person references, the paths), which is carried over as it is. A test finds every sentence the
# templates can say and checks that it is here.
RULES: dict[str, str] = {
    "A translation must be in a language other than the text's.": "rule.translation_language",
    "Give one translation per language.": "rule.translation_once",
    "Give the block of this kind of person only.": "rule.person_block",
    "Not a free-text member of this message: {paths}.": "rule.translation_path",
    "Not an E.164 number.": "rule.e164",
    "Body must be an object.": "rule.object",
    "Not a BCP 47 language tag.": "rule.language_tag",
    "Annex D applies only to offences punishable by at least three years.": "rule.annex_d",
    "Only for a measure ticked in Section C.": "rule.h_only",
    "Only when the issuing authority is another competent authority.": "rule.l_only",
    "Only when its measure is ticked in Section C.": "rule.subtype_only",
    "Only witnesses and experts are heard by telephone (Art. 25).": "rule.telephone_who",
    "Only witnesses, experts and suspects are heard by videoconference (Art. 24).": "rule.video_who",
    "Required for a measure ticked in Section C.": "rule.h_required",
    "Required when the issuing authority is another competent authority (Art. 2(c)(ii)).": "rule.l_required",
    "State the person's consent to the transfer (Art. 22).": "rule.consent_22",
    "State the person's consent to the transfer (Art. 23).": "rule.consent_23",
    "State whether the suspected or accused person consents (Art. 24(2)(a)).": "rule.suspect_consent",
    "The executing state is another state.": "rule.executing_other",
    "Tick (a), (b) or (c); (d) only adds to one of them.": "rule.proceedings_type",
    "A request goes to another state.": "rule.requested_other",
    "Each person needs a distinct person_ref.": "rule.person_ref_distinct",
    "Explain the urgency.": "rule.urgency_reasons",
    "Give the reason for the deadline.": "rule.deadline_reason",
    "Measures name persons not listed: {refs}.": "rule.persons_not_listed",
    "Required unless the request only asks for service of documents.": "rule.facts_required",
    "Temporary transfers of persons in custody go ministry to ministry.": "rule.transfer_channel",
    "Bank secrecy is no ground for refusal (UNTOC 18(8)).": "rule.bank_secrecy",
    "Each leader comes from one of the parties' states.": "rule.jit_leaders",
    "Each party is a different state.": "rule.jit_parties",
    "Fiscal matters alone are no ground for refusal (UNTOC 18(22)).": "rule.fiscal",
    "The team operates only in the parties' states.": "rule.jit_states",
    "The team's period ends after it starts.": "rule.jit_period",
    "{ground} is not a ground under this instrument.": "rule.not_a_ground",
    "Not the instrument the request was made under.": "rule.wrong_instrument",
}
_RULES = tuple(
    (re.compile(r"\A" + re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>.+)", re.escape(text)) + r"\Z", re.DOTALL), key)
    for text, key in RULES.items()
)

# The generic messages (marshmallow's own), in the reader's language.
_ERRORS = (
    (re.compile(r"\A(Missing data for required field\.|Required here\.)\Z"), "form.err.required"),
    (re.compile(r"\ANot a valid integer\.\Z"), "form.err.integer"),
    (re.compile(r"\ANot a valid number\.\Z"), "form.err.number"),
    (re.compile(r"\ANot a valid email address\.\Z"), "form.err.email"),
    (re.compile(r"\ANot a valid date\.\Z"), "form.err.date"),
    (re.compile(r"\AMust be one of: .*\Z", re.DOTALL), "form.err.choice"),
    (re.compile(r"\ALength must be between (?P<min>\d+) and (?P<max>\d+)\.\Z"), "form.err.length"),
    (
        re.compile(r"\AMust be greater than or equal to (?P<min>[\d.]+) and less than or equal to (?P<max>[\d.]+)\.\Z"),
        "form.err.range",
    ),
    (re.compile(r"\AShorter than minimum length (?P<min>\d+)\.\Z"), "form.err.too_short"),
    (re.compile(r"\ALonger than maximum length (?P<max>\d+)\.\Z"), "form.err.too_long"),
    (re.compile(r"\AUnknown field\.\Z"), "form.err.unknown"),
    (re.compile(r"\AString does not match expected pattern\.\Z"), "form.err.pattern"),
    (re.compile(r"\AValues must not repeat\.\Z"), "form.err.repeat"),
)


def error_text(message: str, language: str) -> str:
    """A validation message in `language`: a template's own sentence, or marshmallow's; else as written."""
    for pattern, key in (*_RULES, *_ERRORS):
        found = pattern.match(message)
        if found:
            return t(key, language, **found.groupdict())
    return message
