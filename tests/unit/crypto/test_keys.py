"""Typed keys: stable key ids, secrets kept out of repr, signatures that raise on failure."""

from __future__ import annotations

import pytest

from crypto import EncryptionKey, EncryptionPublicKey, InvalidKeyError, SignatureError, SigningKey, VerifyKey, _nacl
from crypto.keys import private_key_from_text, private_key_to_text

# RFC 8032 section 7.1, TEST 1.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_pynacl_is_at_least_1_6_2():
    major, minor, patch = (int(part) for part in _nacl.PYNACL_VERSION.split(".")[:3])
    assert (major, minor, patch) >= (1, 6, 2), "PyNaCl < 1.6.2 ships libsodium without the CVE-2025-69277 fix"


def test_rfc8032_test_1():
    key = SigningKey(RFC8032_SEED)
    assert key.public.raw == RFC8032_PUBLIC
    assert key.sign(b"") == RFC8032_SIGNATURE
    key.public.verify(b"", RFC8032_SIGNATURE)


def test_key_id_is_stable_and_typed():
    key = SigningKey(RFC8032_SEED)
    # A regression known answer: ids are part of the wire format and must never change.
    assert key.kid == "ed25519:QDAjKeQfPMdlxEbMOQLsdw"
    assert VerifyKey(RFC8032_PUBLIC).kid == key.kid
    # The same 32 bytes read as an X25519 key get a different id.
    assert EncryptionPublicKey(RFC8032_PUBLIC).kid.startswith("x25519:")
    assert EncryptionPublicKey(RFC8032_PUBLIC).kid.split(":")[1] != key.kid.split(":")[1]


def test_verification_raises_on_any_change():
    key = SigningKey.generate()
    signature = key.sign(b"message")
    with pytest.raises(SignatureError):
        key.public.verify(b"messagE", signature)
    with pytest.raises(SignatureError):
        key.public.verify(b"message", signature[:-1] + bytes([signature[-1] ^ 1]))
    with pytest.raises(SignatureError):
        key.public.verify(b"message", signature[:63])
    with pytest.raises(SignatureError):
        SigningKey.generate().public.verify(b"message", signature)


def test_secrets_never_appear_in_repr():
    signing, encryption = SigningKey.generate(), EncryptionKey.generate()
    assert signing.seed.hex() not in repr(signing)
    assert encryption.secret.hex() not in repr(encryption)
    assert signing.kid in repr(signing)


def test_text_form_round_trips_for_the_environment():
    for key in (SigningKey.generate(), EncryptionKey.generate()):
        assert private_key_from_text(private_key_to_text(key)) == key


@pytest.mark.parametrize("text", ["ed25519", "rsa:AAAA", "ed25519:not base64!", "x25519:AAAA"])
def test_bad_text_keys_are_refused(text):
    with pytest.raises(InvalidKeyError):
        private_key_from_text(text)


def test_wrong_lengths_are_refused():
    with pytest.raises(InvalidKeyError):
        VerifyKey(b"\x00" * 31)
    with pytest.raises(InvalidKeyError):
        SigningKey(b"\x00" * 33)
    with pytest.raises(InvalidKeyError):
        EncryptionPublicKey(b"\x00" * 16)


# (0, -1): the point of order 2 on edwards25519.
ORDER_TWO = bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")


def test_generated_keys_are_usable():
    SigningKey.generate().public.check_usable()


def test_cve_2025_69277_mixed_order_points_are_refused():
    """libsodium < 1.0.20-stable (2025-12-31) took P + (0, -1) for a valid point; 1.6.2's does not."""
    import nacl.bindings as sodium  # the test builds the attack point with raw libsodium

    public = SigningKey.generate().public.raw
    mixed = sodium.crypto_core_ed25519_add(public, ORDER_TWO)
    with pytest.raises(InvalidKeyError):
        VerifyKey(mixed).check_usable()


@pytest.mark.parametrize(
    "point",
    [
        "0100000000000000000000000000000000000000000000000000000000000000",  # the identity
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
        "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    ],
)
def test_small_order_ed25519_keys_are_refused(point):
    with pytest.raises(InvalidKeyError):
        VerifyKey(bytes.fromhex(point)).check_usable()
