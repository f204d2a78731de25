"""Showing text that came from elsewhere on an operator's terminal without letting it act on it.

Names, purposes and bodies come from other nodes' signed content; signed is not harmless. Control
characters could move the cursor or clear the screen, and bidirectional overrides can make a
line read differently from what it holds. They are shown as escapes; every other character,
Cyrillic and Albanian letters included, is shown as it is.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """`text` with control, format-override and bidirectional control characters escaped."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return "".join(out)
