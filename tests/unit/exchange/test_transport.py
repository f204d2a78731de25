"""The advisory directory-version header is read strictly and otherwise ignored."""

from __future__ import annotations

import pytest

from exchange.federation.transport import announced_version


@pytest.mark.parametrize(
    ("value", "version"),
    [
        ("7", 7),
        ("0012", 12),
        (None, None),
        ("", None),
        ("²", None),
        ("١٢", None),
        ("1" * 4400, None),
        ("-3", None),
        ("3.0", None),
    ],
)
def test_announced_version(value, version):
    assert announced_version(value) == version
