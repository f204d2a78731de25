"""Password hashes: argon2id, salted, constant-time checked, never an exception on bad input."""

from __future__ import annotations

import pytest

from crypto import passwords


def test_a_password_checks_against_its_own_hash_only():
    stored = passwords.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=65536,t=2,p=1$")
    assert passwords.verify_password(stored, "correct horse battery staple")
    assert not passwords.verify_password(stored, "correct horse battery stapl")
    assert not passwords.verify_password(stored, "")


def test_the_same_password_hashes_differently_each_time():
    assert passwords.hash_password("Лозинка за тест 1") != passwords.hash_password("Лозинка за тест 1")


@pytest.mark.parametrize("stored", ["", "plain", "$argon2i$v=19$m=65536,t=2,p=1$abc$def", "$argon2id$garbage"])
def test_anything_malformed_is_a_no_not_an_error(stored):
    assert passwords.verify_password(stored, "whatever") is False


def test_an_attacker_cannot_choose_the_hashing_cost():
    with pytest.raises(ValueError, match="1 to 1024 bytes"):
        passwords.hash_password("x" * 1025)
    stored = passwords.hash_password("short but fine")
    assert passwords.verify_password(stored, "x" * 10_000) is False
