"""Envelope body encryption: round trip, binding to the header, and small-order key regressions."""

from __future__ import annotations

import pytest

from crypto import DecryptionError, EncryptionKey, EncryptionPublicKey, InvalidKeyError
from crypto.sealing import Sealed, open_sealed, seal

# Curve25519 points of small order (and their non-canonical encodings): X25519 with any of them
# gives an all-zero shared secret. libsodium refuses them; these tests keep it that way.
SMALL_ORDER_POINTS = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]


def test_round_trip_with_binding():
    recipient = EncryptionKey.generate()
    sealed = seal("Поверљиво: Љубљана ćevap".encode(), recipient.public, b"header")
    assert open_sealed(sealed, recipient, b"header") == "Поверљиво: Љубљана ćevap".encode()


def test_each_seal_uses_a_fresh_ephemeral_key_and_nonce():
    recipient = EncryptionKey.generate()
    first, second = seal(b"x", recipient.public, b""), seal(b"x", recipient.public, b"")
    assert first.ephemeral != second.ephemeral
    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda s: Sealed(s.ephemeral, s.nonce, s.ciphertext[:-1] + bytes([s.ciphertext[-1] ^ 1])),
            id="tag",
        ),
        pytest.param(
            lambda s: Sealed(s.ephemeral, s.nonce, bytes([s.ciphertext[0] ^ 1]) + s.ciphertext[1:]), id="body"
        ),
        pytest.param(lambda s: Sealed(s.ephemeral, bytes(24), s.ciphertext), id="nonce"),
        pytest.param(lambda s: Sealed(EncryptionKey.generate().public, s.nonce, s.ciphertext), id="ephemeral"),
        pytest.param(lambda s: Sealed(s.ephemeral, s.nonce, s.ciphertext[:10]), id="truncated"),
    ],
)
def test_any_change_to_the_sealed_parts_fails(change):
    recipient = EncryptionKey.generate()
    sealed = seal(b"evidence request", recipient.public, b"header")
    with pytest.raises(DecryptionError):
        open_sealed(change(sealed), recipient, b"header")


def test_other_header_or_other_key_fails():
    recipient = EncryptionKey.generate()
    sealed = seal(b"evidence request", recipient.public, b"header for RS")
    with pytest.raises(DecryptionError):
        open_sealed(sealed, recipient, b"header for HR")
    with pytest.raises(DecryptionError):
        open_sealed(sealed, EncryptionKey.generate(), b"header for RS")


@pytest.mark.parametrize("point", SMALL_ORDER_POINTS)
def test_sealing_to_a_small_order_key_is_refused(point):
    public = EncryptionPublicKey(bytes.fromhex(point))
    with pytest.raises(InvalidKeyError):
        seal(b"secret", public, b"")
    with pytest.raises(InvalidKeyError):
        public.check_usable()


@pytest.mark.parametrize("point", SMALL_ORDER_POINTS)
def test_a_small_order_ephemeral_key_cannot_force_a_known_key(point):
    """An attacker choosing the ephemeral key must not make us derive the all-zero-secret key."""
    recipient = EncryptionKey.generate()
    forged = Sealed(EncryptionPublicKey(bytes.fromhex(point)), bytes(24), bytes(40))
    with pytest.raises(DecryptionError):
        open_sealed(forged, recipient, b"")


def test_ordinary_keys_are_usable():
    EncryptionKey.generate().public.check_usable()
