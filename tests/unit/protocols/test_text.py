"""Text from other nodes is shown without letting it drive the terminal."""

from __future__ import annotations

import pytest

from protocols.text import printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Тужилаштво БиХ – Ćamil Çelë", "Тужилаштво БиХ – Ćamil Çelë"),
        ("\x1b[2J\x1b[31mall fine", "\\u001b[2J\\u001b[31mall fine"),
        ("invoice\u202egnp.exe", "invoice\\u202egnp.exe"),
        ("a\nb\rc\x00", "a\\u000ab\\u000dc\\u0000"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown
