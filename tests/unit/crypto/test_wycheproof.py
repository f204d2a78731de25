"""Conformance of our primitive wrappers with Project Wycheproof (C2SP/wycheproof testvectors_v1).

`valid` must be accepted, `invalid` refused; for `acceptable` X25519 cases we document our
behaviour: twist and non-canonical keys are computed, and every all-zero result is refused.
"""

from __future__ import annotations

import pytest

from crypto import _nacl
from crypto.errors import DecryptionError, InvalidKeyError, SignatureError
from crypto.kdf import hkdf_sha256
from crypto.keys import VerifyKey
from tests.vectors import wycheproof_params


@pytest.mark.parametrize(("group", "case"), wycheproof_params("ed25519_test.json"))
def test_ed25519_verify(group, case):
    message, signature = bytes.fromhex(case["msg"]), bytes.fromhex(case["sig"])
    key = VerifyKey(bytes.fromhex(group["publicKey"]["pk"]))
    if case["result"] == "valid":
        key.verify(message, signature)
    else:
        with pytest.raises(SignatureError):
            key.verify(message, signature)


@pytest.mark.parametrize(("group", "case"), wycheproof_params("x25519_test.json"))
def test_x25519(group, case):
    private, public = bytes.fromhex(case["private"]), bytes.fromhex(case["public"])
    expected = bytes.fromhex(case["shared"])
    if expected == bytes(32):
        # All-zero shared secrets (small-order public keys) are refused, never returned.
        with pytest.raises(InvalidKeyError):
            _nacl.x25519(private, public)
        return
    assert case["result"] in ("valid", "acceptable")
    assert _nacl.x25519(private, public) == expected


@pytest.mark.parametrize(("group", "case"), wycheproof_params("xchacha20_poly1305_test.json"))
def test_xchacha20_poly1305(group, case):
    key, nonce = bytes.fromhex(case["key"]), bytes.fromhex(case["iv"])
    aad, message = bytes.fromhex(case["aad"]), bytes.fromhex(case["msg"])
    sealed = bytes.fromhex(case["ct"]) + bytes.fromhex(case["tag"])
    if case["result"] == "valid":
        assert _nacl.xchacha20poly1305_encrypt(key, nonce, aad, message) == sealed
        assert _nacl.xchacha20poly1305_decrypt(key, nonce, aad, sealed) == message
    else:
        with pytest.raises((DecryptionError, InvalidKeyError)):
            _nacl.xchacha20poly1305_decrypt(key, nonce, aad, sealed)


@pytest.mark.parametrize(("group", "case"), wycheproof_params("hkdf_sha256_test.json"))
def test_hkdf_sha256(group, case):
    ikm, salt, info = (bytes.fromhex(case[k]) for k in ("ikm", "salt", "info"))
    if case["result"] == "valid":
        assert hkdf_sha256(ikm, salt=salt, info=info, length=case["size"]) == bytes.fromhex(case["okm"])
    else:
        with pytest.raises(ValueError, match="length"):
            hkdf_sha256(ikm, salt=salt, info=info, length=case["size"])
