"""An independent client of the mla-exchange/1 wire protocol, for tests that attack a real node.

Written from docs/protocol.md with raw PyNaCl, rfc8785 and the standard library, and a signature
base built by hand as RFC 9421 describes it: it shares no code with `crypto/` or `protocols/`,
so a node that passes these tests agrees with the specification, not merely with itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import nacl.bindings as sodium
import requests
import rfc8785

INFO = b"mla-exchange/1 envelope body"
SUITE = "X25519-HKDF-SHA256-XChaCha20Poly1305"
COVERED = ("@method", "@target-uri", "@authority", "content-type", "content-digest")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(alg: str, public: bytes) -> str:
    digest = hashlib.sha256(alg.encode() + b"\x00" + public).digest()
    return f"{alg}:{b64url(digest[:16])}"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hkdf(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


@dataclass
class Signer:
    """An Ed25519 key given by its seed."""

    seed: bytes = field(default_factory=lambda: os.urandom(32))

    @property
    def public(self) -> bytes:
        public, _secret = sodium.crypto_sign_seed_keypair(self.seed)
        return bytes(public)

    @property
    def kid(self) -> str:
        return key_id("ed25519", self.public)

    def sign(self, message: bytes) -> bytes:
        _public, secret = sodium.crypto_sign_seed_keypair(self.seed)
        return bytes(sodium.crypto_sign(message, secret)[:64])


def seal_envelope(
    *,
    sender: str,
    sender_key: Signer,
    recipient: str,
    recipient_public: bytes,
    message_type: str,
    body: dict[str, Any],
    created: datetime,
    ttl: timedelta = timedelta(days=1),
    message_id: str | None = None,
    content_overrides: dict[str, Any] | None = None,
    header_overrides: dict[str, Any] | None = None,
    inner_key: Signer | None = None,
    seal_to: bytes | None = None,
) -> dict[str, Any]:
    """Build an envelope as docs/protocol.md describes; overrides let a test break one rule."""
    message_id = message_id or str(uuid.uuid4())
    content: dict[str, Any] = {
        "typ": "mla-exchange/content+v1",
        "message_id": message_id,
        "type": message_type,
        "sender": sender,
        "recipient": recipient,
        "created": stamp(created),
        "conversation": message_id,
        "in_reply_to": None,
        "body": body,
        "approvals": [],
        "handling": {
            "confidentiality": "confidential",
            "purpose": "Test proceedings",
            "speciality": True,
            "onward_transfer": "prohibited",
            "retain_until": None,
        },
    }
    content.update(content_overrides or {})
    inner = inner_key or sender_key
    content["signature"] = {"kid": inner.kid, "alg": "ed25519", "sig": b64url(inner.sign(rfc8785.dumps(content)))}
    header: dict[str, Any] = {
        "protocol": "mla-exchange/1",
        "id": message_id,
        "type": message_type,
        "sender": sender,
        "recipient": recipient,
        "created": stamp(created),
        "expires": stamp(created + ttl),
        "conversation": message_id,
        "in_reply_to": None,
        "sender_key": sender_key.kid,
        "recipient_key": key_id("x25519", recipient_public),
        "suite": SUITE,
    }
    header.update(header_overrides or {})
    target = seal_to or recipient_public
    ephemeral_secret = os.urandom(32)
    ephemeral_public = sodium.crypto_scalarmult_base(ephemeral_secret)
    shared = sodium.crypto_scalarmult(ephemeral_secret, target)
    key = hkdf(shared, ephemeral_public + target, INFO, 32)
    nonce = os.urandom(24)
    ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        rfc8785.dumps(content), rfc8785.dumps(header), nonce, key
    )
    envelope: dict[str, Any] = {
        "typ": "mla-exchange/envelope+v1",
        "header": header,
        "sealed": {"epk": b64url(ephemeral_public), "nonce": b64url(nonce), "ciphertext": b64url(ciphertext)},
    }
    envelope["signature"] = {"alg": "ed25519", "sig": b64url(sender_key.sign(rfc8785.dumps(envelope)))}
    return envelope


def resign_envelope(envelope: dict[str, Any], sender_key: Signer) -> dict[str, Any]:
    unsigned = {k: v for k, v in envelope.items() if k != "signature"}
    return {**unsigned, "signature": {"alg": "ed25519", "sig": b64url(sender_key.sign(rfc8785.dumps(unsigned)))}}


def signature_headers(
    url: str,
    body: bytes,
    key: Signer,
    *,
    created: datetime | None = None,
    validity: int = 60,
    nonce: str | None = None,
    content_type: str = "application/json",
    covered: tuple[str, ...] = COVERED,
    tag: str = "mla-exchange/1",
) -> dict[str, str]:
    """RFC 9421 headers built by hand: the signature base, Signature-Input and Signature."""
    created_at = int((created or datetime.now(UTC)).timestamp())
    parts = urlsplit(url)
    authority = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")  # type: ignore[union-attr]
    digest = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
    values = {
        "@method": "POST",
        "@target-uri": url,
        "@authority": authority,
        "content-type": content_type,
        "content-digest": digest,
    }
    # Parameters in another order than our own signer uses: order is whatever Signature-Input says.
    params = (
        f';keyid="{key.kid}";alg="ed25519";tag="{tag}";created={created_at};expires={created_at + validity}'
        f';nonce="{nonce or b64url(os.urandom(16))}"'
    )
    inner_list = "(" + " ".join(f'"{c}"' for c in covered) + ")" + params
    base = "".join(f'"{c}": {values[c]}\n' for c in covered) + f'"@signature-params": {inner_list}'
    signature = base64.b64encode(key.sign(base.encode())).decode()
    return {
        "Content-Type": content_type,
        "Content-Digest": digest,
        "Signature-Input": f"mlax={inner_list}",
        "Signature": f"mlax=:{signature}:",
    }


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    response = requests.post(url, data=body, headers=headers, timeout=30)
    return response.status_code, response.json()


def send(url: str, document: Any, key: Signer, **kwargs: Any) -> tuple[int, Any]:
    body = rfc8785.dumps(document)
    return post(url, body, signature_headers(url, body, key, **kwargs))


def pretty(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)
