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


# The templates' generic messages (marshmallow's own), in the reader's language; a template's
# own sentences ("Explain the urgency.") are shown as written.
_ERRORS = (
    (re.compile(r"\A(Missing data for required field\.|Required\b.*)\Z", re.DOTALL), "form.err.required"),
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
    (re.compile(r"\AUnknown field\.\Z"), "form.err.unknown"),
    (re.compile(r"\AString does not match expected pattern\.\Z"), "form.err.pattern"),
    (re.compile(r"\AValues must not repeat\.\Z"), "form.err.repeat"),
)


def error_text(message: str, language: str) -> str:
    for pattern, key in _ERRORS:
        found = pattern.match(message)
        if found:
            return t(key, language, **found.groupdict())
    return message
