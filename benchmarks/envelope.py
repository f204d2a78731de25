"""Envelope throughput on one core: our seal+sign and verify+open against raw PyNaCl doing the same crypto.

    .venv/bin/python benchmarks/envelope.py [--seconds 1] [--repeats 7] [--body-bytes 200] [--profile]

"seal+sign" is `protocols.v1.envelope.build_envelope` with a status.query body. "verify+open" is
what a receiver does with wire bytes: `parse_envelope_bytes`, `verify_envelope`, `open_envelope`,
`verify_content`. The raw rates call `nacl.bindings` directly for exactly the cryptographic work
of one envelope, on the same byte strings our code signs, encrypts and checks:

    seal+sign    random X25519 secret + crypto_scalarmult_base   (ephemeral key generation)
                 crypto_scalarmult                               (X25519 with the recipient key)
                 random nonce + XChaCha20-Poly1305 encryption    (same plaintext and aad sizes)
                 crypto_sign x 2                                 (inner content, outer envelope)
    verify+open  crypto_sign_open x 2                            (outer envelope, inner content)
                 crypto_scalarmult                               (X25519 with the ephemeral key)
                 XChaCha20-Poly1305 decryption

The ratio ours/raw says how much of the time our code spends on the cryptography itself; the rest
is Python around it (canonical JSON, schema checks, parsing). Each repetition runs every case for
`--seconds` in turn (interleaved, so drift hits all cases alike); the medians are reported. Only
figures are printed: nothing is asserted. `--profile` adds a cProfile breakdown by component and
timings of the most expensive individual calls.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import platform
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import nacl
import nacl.bindings as sodium

from crypto import EncryptionKey, SigningKey
from protocols import registry
from protocols.canonical import canonical_bytes, parse_strict
from protocols.v1 import directory as d
from protocols.v1.envelope import (
    build_envelope,
    open_envelope,
    parse_envelope_bytes,
    verify_content,
    verify_envelope,
)

TARGET_RATIO = 0.5
MESSAGE_TYPE = "status.query"
# A realistic query: reference, question in the original language and script, language tag.
QUESTION = (
    "Молимо обавјештење о статусу замолнице за правну помоћ у предмету KT-114/26, "
    "посебно да ли је саслушање свједока већ заказано. "
)


def status_query(body_bytes: int) -> dict[str, str]:
    """A status.query body whose canonical JSON is at most `body_bytes` long (but never empty)."""
    body = {"our_reference": "KT-114/26", "their_reference": "KTA-2026-0311", "question": "", "language": "sr-Cyrl"}
    budget = body_bytes - len(canonical_bytes(body))
    chars: list[str] = []
    for char in itertools.cycle(QUESTION):
        budget -= len(char.encode("utf-8"))
        if budget < 0 or len(chars) >= 20_000:
            break
        chars.append(char)
    body["question"] = "".join(chars).strip() or "Какав је статус?"
    return body


class Setup:
    """Two nodes with real keys in a directory signed 2-of-3, built in-process (as tests/factories.py)."""

    def __init__(
        self,
        body_bytes: int,
        *,
        message_type: str = MESSAGE_TYPE,
        body: dict[str, Any] | None = None,
        sender: str = "BA",
        recipient: str = "RS",
        approvals: tuple[Any, ...] = (),
    ) -> None:
        """`body` (a `message_type` body) replaces the status.query of `body_bytes` (benchmarks/templates.py)."""
        self.message_type, self.sender, self.recipient, self.approvals = message_type, sender, recipient, approvals
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.sender_signing = SigningKey.generate()
        self.sender_encryption = EncryptionKey.generate()
        self.recipient_signing = SigningKey.generate()
        self.recipient_encryption = EncryptionKey.generate()
        governance = [SigningKey.generate() for _ in range(3)]
        document = d.unsigned_document(
            federation="benchmark",
            version=1,
            issued=self.now - timedelta(days=1),
            expires=self.now + timedelta(days=90),
            governance=d.Governance(
                2, tuple(d.GovernanceKey(k.kid, k.public, f"holder {i}") for i, k in enumerate(governance))
            ),
            nodes=[
                self._entry(sender, 8801, self.sender_signing, self.sender_encryption),
                self._entry(recipient, 8802, self.recipient_signing, self.recipient_encryption),
            ],
        )
        self.directory = d.parse_directory(d.add_signatures(document, governance[:2]))
        self.body = status_query(body_bytes) if body is None else body
        self.keys = {self.recipient_encryption.kid: self.recipient_encryption}
        self.raw = self.seal().raw

    def _entry(self, node_id: str, port: int, signing: SigningKey, encryption: EncryptionKey) -> d.NodeEntry:
        valid_from = self.now - timedelta(days=1)
        return d.NodeEntry(
            id=node_id,
            country=node_id,
            name=f"Benchmark node {node_id}",
            endpoint=f"http://127.0.0.1:{port}",
            protocols=(registry.CURRENT.name,),
            languages=("en",),
            keys=(
                d.KeyEntry(signing.kid, "ed25519", signing.public.raw, valid_from, None, None),
                d.KeyEntry(encryption.kid, "x25519", encryption.public.raw, valid_from, None, None),
            ),
        )

    # -- our code -------------------------------------------------------------------------------

    def seal(self) -> Any:
        return build_envelope(
            sender=self.sender,
            recipient=self.recipient,
            message_type=self.message_type,
            body=self.body,
            signing_key=self.sender_signing,
            recipient_key=self.recipient_encryption.public,
            created=self.now,
            approvals=self.approvals,
        )

    def open(self) -> Any:
        envelope = parse_envelope_bytes(self.raw)
        verify_envelope(envelope, self.directory, our_node=self.recipient, now=self.now)
        content = open_envelope(envelope, self.keys)
        verify_content(content, envelope.header, self.directory)
        return content

    # -- the same cryptographic work, straight through nacl.bindings -----------------------------

    def raw_cases(self) -> tuple[Callable[[], object], Callable[[], object], dict[str, int]]:
        envelope = parse_envelope_bytes(self.raw)
        content = self.open()
        plaintext = content.raw  # what was encrypted
        aad = canonical_bytes(envelope.header.to_json())
        inner_message, outer_message = content.signed_bytes, envelope.signed_bytes
        _public, expanded = sodium.crypto_sign_seed_keypair(self.sender_signing.seed)
        sender_public = self.sender_signing.public.raw
        recipient_public = self.recipient_encryption.public.raw
        recipient_secret = self.recipient_encryption.secret
        key = sodium.randombytes(32)
        nonce = sodium.randombytes(24)
        ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)
        inner_signed = sodium.crypto_sign(inner_message, expanded)
        outer_signed = sodium.crypto_sign(outer_message, expanded)
        ephemeral_public = envelope.sealed.ephemeral.raw

        def raw_seal() -> object:
            ephemeral = sodium.randombytes(32)
            sodium.crypto_scalarmult_base(ephemeral)
            sodium.crypto_scalarmult(ephemeral, recipient_public)
            sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, sodium.randombytes(24), key)
            sodium.crypto_sign(inner_message, expanded)
            return sodium.crypto_sign(outer_message, expanded)

        def raw_open() -> object:
            sodium.crypto_sign_open(outer_signed, sender_public)
            sodium.crypto_sign_open(inner_signed, sender_public)
            sodium.crypto_scalarmult(recipient_secret, ephemeral_public)
            return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, aad, nonce, key)

        sizes = {
            "body (canonical JSON)": len(canonical_bytes(self.body)),
            "plaintext (signed content)": len(plaintext),
            "aad (header)": len(aad),
            "inner signed bytes": len(inner_message),
            "outer signed bytes": len(outer_message),
            "envelope on the wire": len(self.raw),
        }
        return raw_seal, raw_open, sizes


def run_for(function: Callable[[], object], seconds: float, chunk: int = 25) -> float:
    """Operations per second of `function` run back to back for about `seconds`."""
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(chunk):
            function()
        count += chunk
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def measure(cases: dict[str, Callable[[], object]], seconds: float, repeats: int) -> dict[str, list[float]]:
    for function in cases.values():  # warm-up: caches, allocator, branch predictors
        run_for(function, max(0.2, seconds / 4))
    rates: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        for name, function in cases.items():
            rates[name].append(run_for(function, seconds))
    return rates


# -- profile ---------------------------------------------------------------------------------------

# Components of the envelope path: (label, module file, function names). A call counts for its
# component only when its caller is in no component, so nested calls (SigningKey.kid calling
# VerifyKey.kid, key_id calling b64url_encode) are not counted twice. What remains is the
# Python glue in envelope.py and wire.Reader.
COMPONENTS = (
    ("canonical JSON: canonical_bytes (rfc8785)", "protocols/canonical.py", ("canonical_bytes",)),
    ("strict JSON parsing: parse_strict (+ _depth)", "protocols/canonical.py", ("parse_strict",)),
    ("body schema check: body_errors (marshmallow)", "protocols/v1/bodies.py", ("body_errors",)),
    ("X25519 + HKDF + XChaCha20: seal / open_sealed", "crypto/sealing.py", ("seal", "open_sealed")),
    ("Ed25519: SigningKey.sign / VerifyKey.verify", "crypto/keys.py", ("sign", "verify")),
    ("key ids: .kid (SHA-256 + base64url)", "crypto/keys.py", ("kid", "key_id")),
    ("base64url encode / decode", "crypto/encoding.py", ("b64url_encode", "b64url_decode")),
    ("timestamps: format_time / parse_time", "protocols/timefmt.py", ("format_time", "parse_time", "truncate")),
    ("directory lookups", "protocols/v1/directory.py", ("verify_key_at", "encryption_key_for", "node")),
    ("message id: uuid4", "protocols/v1/envelope.py", ("new_message_id",)),
)

Key = tuple[str, int, str]


def _component(key: Key) -> str | None:
    filename, _line, func = key
    for label, module, functions in COMPONENTS:
        if filename.endswith(module) and func in functions:
            return label
    return None


def profile(name: str, function: Callable[[], object], iterations: int) -> None:
    """Cumulative time of each component under cProfile (which inflates Python calls about 2x)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(iterations):
        function()
    profiler.disable()
    stats: dict[Key, tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(row[3] for key, row in stats.items() if key[2] in ("seal", "open") and "benchmarks" in key[0])
    shares: dict[str, float] = defaultdict(float)
    for key, row in stats.items():
        label = _component(key)
        if label is not None:
            callers: dict[Key, tuple[Any, ...]] = row[4]
            shares[label] += sum(call[3] for caller, call in callers.items() if _component(caller) is None)
    print(f"\n  {name}: cumulative time by component under cProfile ({iterations} operations)")
    for label, _module, _functions in COMPONENTS:
        if shares.get(label):
            print(f"    {label:50s} {100 * shares[label] / total:5.1f} %")
    rest = total - sum(shares.values())
    print(f"    {'the rest (envelope.py, wire.Reader, dataclasses)':50s} {100 * rest / total:5.1f} %")
    libsodium = sum(row[2] for key, row in stats.items() if "_sodium" in key[2])
    print(f"    {'(included above: time inside libsodium itself)':50s} {100 * libsodium / total:5.1f} %")


def call_costs(setup: Setup) -> None:
    """Cost of the expensive individual calls on the envelope path, timed without the profiler."""
    envelope = parse_envelope_bytes(setup.raw)
    content = setup.open()
    document = parse_strict(setup.raw)
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    content_document = parse_strict(content.raw)
    header = envelope.header.to_json()
    kind = registry.message_type(registry.CURRENT, MESSAGE_TYPE)
    schema = kind.body_schema()
    from protocols.timefmt import parse_time

    calls: list[tuple[str, Callable[[], object], str]] = [
        ("canonical_bytes(envelope)", lambda: canonical_bytes(document), "seal 1x, open 1x"),
        ("canonical_bytes(envelope without signature)", lambda: canonical_bytes(unsigned), "seal 1x, open 1x"),
        ("canonical_bytes(content)", lambda: canonical_bytes(content_document), "seal 2x, open 1x"),
        ("canonical_bytes(header)", lambda: canonical_bytes(header), "seal 1x, open 1x"),
        ("MessageType.body_errors (new Schema per call)", lambda: kind.body_errors(setup.body), "seal 1x, open 1x"),
        ("  the same check on a reused Schema instance", lambda: schema.validate(setup.body), "(comparison)"),
        ("parse_strict(envelope)", lambda: parse_strict(setup.raw), "open 1x"),
        ("parse_time (strptime)", lambda: parse_time("2026-11-22T12:00:00Z"), "open 3x"),
        ("  datetime.fromisoformat", lambda: datetime.fromisoformat("2026-11-22T12:00:00Z"), "(comparison)"),
        ("SigningKey.sign(envelope)", lambda: setup.sender_signing.sign(setup.raw), "seal 2x"),
    ]
    print("\n  individual calls (median of 5 runs, no profiler):")
    for label, function, where in calls:
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(2000):
                function()
            runs.append((time.perf_counter() - started) / 2000)
        print(f"    {label:48s} {1e6 * statistics.median(runs):7.1f} us   {where}")


# -- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Envelope seal+sign and verify+open rates against raw PyNaCl.")
    parser.add_argument("--seconds", type=float, default=1.0, help="duration of each measurement (default 1)")
    parser.add_argument("--repeats", type=int, default=7, help="measurements per case; the median is shown")
    parser.add_argument("--body-bytes", type=int, default=200, help="maximum size of the body's canonical JSON")
    parser.add_argument("--profile", action="store_true", help="also show where our time goes (cProfile)")
    args = parser.parse_args(argv)

    setup = Setup(args.body_bytes)
    raw_seal, raw_open, sizes = setup.raw_cases()
    print("mla-exchange envelope benchmark (single thread)")
    print(
        f"  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, PyNaCl {nacl.__version__}, "
        f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"  {args.repeats} x {args.seconds:g} s per case, interleaved; medians (min..max)")
    print("  sizes in bytes: " + ", ".join(f"{name} {size}" for name, size in sizes.items()))

    rates = measure(
        {"seal+sign": setup.seal, "raw seal+sign": raw_seal, "verify+open": setup.open, "raw verify+open": raw_open},
        args.seconds,
        args.repeats,
    )
    median = {name: statistics.median(values) for name, values in rates.items()}
    print()
    print(f"  {'':14s} {'ours /s':>10s} {'raw PyNaCl /s':>14s} {'ours us':>9s} {'raw us':>8s} {'ratio':>6s}  target")
    for name in ("seal+sign", "verify+open"):
        ours, raw = median[name], median["raw " + name]
        ratio = ours / raw
        verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
        print(
            f"  {name:14s} {ours:10.0f} {raw:14.0f} {1e6 / ours:9.1f} {1e6 / raw:8.1f} {ratio:6.2f}  "
            f">= {TARGET_RATIO} {verdict}"
        )
    for name, values in rates.items():
        print(f"    {name:16s} {min(values):8.0f} .. {max(values):8.0f} /s")

    if args.profile:
        iterations = max(500, int(median["seal+sign"] * args.seconds))
        profile("seal+sign (build_envelope)", setup.seal, iterations)
        profile("verify+open", setup.open, iterations)
        call_costs(setup)


if __name__ == "__main__":
    sys.exit(main())
