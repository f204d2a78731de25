"""RFC 8785 canonical JSON against the published cyberphone vectors, and our strict parser."""

from __future__ import annotations

import pytest

from protocols.canonical import canonical_bytes, parse_canonical, parse_strict
from protocols.errors import CanonicalJsonError, Reason
from tests.vectors import vectors_dir

JCS_FILES = ["arrays", "french", "structures", "unicode", "values", "weird"]


def _jcs_params():
    base = vectors_dir()
    if base is None or not (base / "jcs").is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason="JCS vectors not found (EXCHANGE_VECTORS_DIR)"))]
    return [pytest.param(name, id=name) for name in JCS_FILES]


@pytest.mark.parametrize("name", _jcs_params())
def test_published_vectors(name):
    base = vectors_dir() / "jcs"
    value = parse_strict((base / "input" / f"{name}.json").read_bytes())
    expected = (base / "output" / f"{name}.json").read_bytes()
    expected_hex = (base / "outhex" / f"{name}.txt").read_text().split()
    assert canonical_bytes(value) == expected
    assert canonical_bytes(value) == bytes(int(h, 16) for h in expected_hex)
    # Canonical output is a fixed point of our strict reader.
    assert parse_canonical(expected) == value


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"a": 1, "a": 2}', "duplicate key"),
        ('{"a": {"b": 1, "b": 1}}', "duplicate key"),
        ('{"a": NaN}', "NaN"),
        ('{"a": Infinity}', "Infinity"),
        ('{"a": -Infinity}', "-Infinity"),
        ('{"a": 9007199254740992}', "integer outside the safe range"),
        ('{"a": -9007199254740992}', "integer outside the safe range"),
        ('{"a": 123456789012345678901234567890}', "integer outside the safe range"),
        ('{"a": 1e400}', "number is not finite"),
        ('{"a": 1', "truncated"),
        ('{"a": "\\ud800"}', "lone surrogate"),
        ("\ufeff{}", "byte order mark"),
        ("[" * 100 + "]" * 100, "nesting too deep"),
    ],
)
def test_strict_parsing_refuses(text, why):
    with pytest.raises(CanonicalJsonError) as caught:
        canonical_bytes(parse_strict(text.encode("utf-8", "surrogatepass")))
    assert caught.value.reason == Reason.MALFORMED_JSON, why


def test_invalid_utf8_is_refused():
    with pytest.raises(CanonicalJsonError):
        parse_strict(b'{"a": "\xff"}')


def test_largest_safe_integer_is_accepted():
    assert parse_strict(b'{"a": 9007199254740991}') == {"a": 9007199254740991}


def test_non_canonical_input_is_refused_where_canonical_form_is_required():
    with pytest.raises(CanonicalJsonError) as caught:
        parse_canonical(b'{"b": 1, "a": 2}')
    assert caught.value.reason == Reason.NON_CANONICAL_JSON


def test_python_values_without_json_form_are_refused():
    with pytest.raises(CanonicalJsonError):
        canonical_bytes({"a": 2**60})
    with pytest.raises(CanonicalJsonError):
        canonical_bytes({"a": float("nan")})


def _random_text(rng):
    alphabet = (
        [chr(c) for c in range(0x20)]
        + list('"\\\\/ azAZ09\x7f')
        + ["\u2028", "\u2029", "Ђ", "љ", "Ç", "ë", "€", "😂", "\ufeff", "\ud7ff", "\ue000", "\uffff", "\U0010ffff"]
    )
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))


def _random_value(rng, depth=0):
    roll = rng.random()
    if depth > 4 or roll < 0.35:
        return rng.choice(
            [
                None,
                True,
                False,
                rng.randrange(-(2**53) + 1, 2**53),
                rng.choice([0, -1, 1, 2**53 - 1, -(2**53 - 1)]),
                _random_text(rng),
            ]
        )
    if roll < 0.6:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    keys = [
        _random_text(rng) if rng.random() < 0.2 else "".join(rng.choice("abcAB_1-") for _ in range(rng.randrange(0, 6)))
    ]
    keys += [
        "".join(rng.choice("abcdefXYZ_09") for _ in range(rng.randrange(0, 6))) for _ in range(rng.randrange(0, 5))
    ]
    return {key: _random_value(rng, depth + 1) for key in keys}


def test_fast_path_writes_exactly_what_rfc8785_writes():
    """Both encoders on 20 000 random values: strings full of escapes, edge integers, nesting."""
    import random

    import rfc8785

    rng = random.Random(8785)
    for _ in range(20_000):
        value = _random_value(rng)
        assert canonical_bytes(value) == rfc8785.dumps(value), value
