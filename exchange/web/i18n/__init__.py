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
