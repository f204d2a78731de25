"""Generate the worked example of docs/protocol.md under docs/example/, with the project's own code.

    .venv/bin/python docs/make_example.py

Everything is fixed, so the output is the same byte for byte on every run:

* every key is derived from a published label, `seed = SHA-256("mla-exchange/1 example: " + label)`;
* the times are fixed (the envelope is made at 2026-01-15T10:00:00Z);
* the three values a real node draws at random (the ephemeral X25519 secret and the AEAD nonce
  of the sealed body, the RFC 9421 nonce of each HTTP request) are taken from the same kind of
  labelled hash, by handing `crypto._nacl.random_bytes` a fixed list for the duration of the run.

THESE KEYS AND "RANDOM" VALUES ARE PUBLISHED EXAMPLES. Never use them for anything real: a real node
generates its keys with `exchange init` and draws every ephemeral key and nonce from the CSPRNG.

The request is then received by a real RS node (the Flask app of `exchange/`, an SQLite database in
a temporary folder, a clock stopped at the receiving time), so the receipts in the example are
what the reference receiver answered, after running every check of protocol.md section 6 on it.
tests/unit/test_protocol_doc.py checks the files and that running this script reproduces them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from crypto import EncryptionKey, SigningKey, _nacl
from crypto.encoding import b64url_decode, b64url_encode
from crypto.keys import key_id
from crypto.sealing import open_sealed
from protocols.canonical import canonical_bytes, parse_strict
from protocols.errors import Reason
from protocols.timefmt import format_time
from protocols.v1 import directory as d
from protocols.v1 import httpsig
from protocols.v1.envelope import (
    Approval,
    Handling,
    build_envelope,
    open_envelope,
    parse_envelope_bytes,
    verify_content,
    verify_envelope,
)
from protocols.v1.receipt import Status, parse_receipt_bytes, verify_receipt

OUT = Path(__file__).resolve().parent / "example"
DOC = Path(__file__).resolve().parent / "protocol.md"
# `<!-- example: NAME [MODE] -->` before a fenced block: the block shows file NAME (or "keyid"),
# exactly, indented ("pretty") or up to the empty line ("head"). `refresh_doc` rewrites the blocks.
MARKER = re.compile(r"<!-- example: (?P<name>[\w.-]+)(?: (?P<mode>pretty|head))? -->")
SEED_PREFIX = "mla-exchange/1 example: "

FEDERATION = "wb-mla-example"
T0 = datetime(2026, 1, 15, 10, 0, 0, tzinfo=UTC)  # directory issued, envelope created
T_SEND = T0 + timedelta(seconds=2)  # BA signs the HTTP request; RS receives it
T_REPEAT = T0 + timedelta(minutes=5)  # BA sends the same envelope again (its first answer was lost)
# The repeat request, delivered to RS a second time at T_REPEAT (a copy replayed by something on
# the path): refused as a whole, `replayed_request`, in a rejection naming its Content-Digest.
REPLAY_STATUS = 409
KEYS_VALID_FROM = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
DIRECTORY_EXPIRES = datetime(2026, 7, 15, 10, 0, 0, tzinfo=UTC)
BA_ENDPOINT = "http://127.0.0.1:8701"
RS_ENDPOINT = "http://127.0.0.1:8702"
BA_LANGUAGES = ("bs", "hr", "sr-Latn", "sr-Cyrl", "en")
RS_LANGUAGES = ("sr-Cyrl", "sr-Latn", "en")
ENVELOPES_PATH = "/federation/v1/envelopes"
DIRECTORY_VERSION_HEADER = "Exchange-Directory-Version"

# label -> what the key is; the seed of each is SHA-256(SEED_PREFIX + label)
KEY_LABELS = {
    "governance-1": "ed25519",
    "governance-2": "ed25519",
    "governance-3": "ed25519",
    "BA signing": "ed25519",
    "BA encryption": "x25519",
    "RS signing": "ed25519",
    "RS encryption": "x25519",
}
GOVERNANCE_HOLDERS = {
    "governance-1": "Ministry of Justice of Bosnia and Herzegovina (example)",
    "governance-2": "Ministry of Justice of Serbia (example)",
    "governance-3": "Ministry of Justice of Croatia (example)",
}
# The values a real node draws at random, in the order the code draws them.
RANDOM_LABELS = (
    ("BA->RS ephemeral X25519 secret", 32),
    ("BA->RS XChaCha20-Poly1305 nonce", 24),
    ("BA->RS HTTP signature nonce", 16),
    ("BA->RS HTTP signature nonce (repeat)", 16),
)
MESSAGE_ID_LABEL = "BA->RS message id"

BODY = {
    "our_reference": "KT-17/26",
    "their_reference": "KTM-204/25",
    "question": "Какав је статус нашег захтева за међународну правну помоћ од 10. децембра 2025. године?",
    "language": "sr-Cyrl",
}
BA_PROSECUTOR = "Prosecutor's Office of Bosnia and Herzegovina"
BA_MINISTRY = "Ministry of Justice of Bosnia and Herzegovina"
APPROVALS = (
    Approval("drafter", "ba-prosecutor-7", "Amra Hodžić", BA_PROSECUTOR, T0 - timedelta(minutes=20)),
    Approval("approver", "ba-ncp-2", "Dragan Kovač", BA_MINISTRY, T0 - timedelta(minutes=5)),
)
HANDLING = Handling(
    confidentiality="confidential",
    purpose="Criminal proceedings KT-17/26 before the Prosecutor's Office of Bosnia and Herzegovina",
    speciality=True,
    onward_transfer="with_prior_consent",
    retain_until=date(2031, 1, 15),
)


def labelled(label: str) -> bytes:
    """The 32 published bytes for `label`."""
    return hashlib.sha256((SEED_PREFIX + label).encode("utf-8")).digest()


def example_message_id() -> str:
    """A version 4 UUID made from published bytes (a real node uses uuid4())."""
    return str(uuid.UUID(bytes=labelled(MESSAGE_ID_LABEL)[:16], version=4))


@contextmanager
def fixed_randomness() -> Iterator[list[str]]:
    """Hand `crypto._nacl.random_bytes` the published values, in order; refuse any other draw."""
    queue = list(RANDOM_LABELS)
    used: list[str] = []
    original = _nacl.random_bytes

    def draw(size: int) -> bytes:
        if not queue:
            raise RuntimeError(f"unexpected random draw of {size} bytes (the code changed: update RANDOM_LABELS)")
        label, expected = queue.pop(0)
        if size != expected:
            raise RuntimeError(f"random draw {label!r}: expected {expected} bytes, the code asked for {size}")
        used.append(label)
        return labelled(label)[:size]

    _nacl.random_bytes = draw
    try:
        yield used
    finally:
        _nacl.random_bytes = original
    if queue:
        raise RuntimeError(f"random values not used: {[label for label, _ in queue]}")


# -- keys and directory ---------------------------------------------------------------------------


def example_keys() -> dict[str, SigningKey | EncryptionKey]:
    return {
        label: SigningKey(labelled(label)) if alg == "ed25519" else EncryptionKey(labelled(label))
        for label, alg in KEY_LABELS.items()
    }


def signing_key(keys: dict[str, SigningKey | EncryptionKey], label: str) -> SigningKey:
    key = keys[label]
    assert isinstance(key, SigningKey)
    return key


def encryption_key(keys: dict[str, SigningKey | EncryptionKey], label: str) -> EncryptionKey:
    key = keys[label]
    assert isinstance(key, EncryptionKey)
    return key


def _node(node_id: str, name: str, endpoint: str, languages: tuple[str, ...], keys: dict[str, Any]) -> d.NodeEntry:
    signing, encryption = keys[f"{node_id} signing"], keys[f"{node_id} encryption"]
    return d.NodeEntry(
        id=node_id,
        country=node_id,
        name=name,
        endpoint=endpoint,
        protocols=("mla-exchange/1",),
        languages=languages,
        keys=(
            d.KeyEntry(signing.kid, "ed25519", signing.public.raw, KEYS_VALID_FROM, None, None),
            d.KeyEntry(encryption.kid, "x25519", encryption.public.raw, KEYS_VALID_FROM, None, None),
        ),
    )


def example_directory(keys: dict[str, Any]) -> bytes:
    governance = d.Governance(
        threshold=2,
        keys=tuple(
            d.GovernanceKey(keys[label].kid, keys[label].public, holder) for label, holder in GOVERNANCE_HOLDERS.items()
        ),
    )
    document = d.unsigned_document(
        federation=FEDERATION,
        version=1,
        issued=T0,
        expires=DIRECTORY_EXPIRES,
        governance=governance,
        nodes=[
            _node("BA", "Bosnia and Herzegovina (example node)", BA_ENDPOINT, BA_LANGUAGES, keys),
            _node("RS", "Serbia (example node)", RS_ENDPOINT, RS_LANGUAGES, keys),
        ],
    )
    # Two of the three governance holders sign (threshold 2); governance-3 does not.
    return d.add_signatures(document, [keys["governance-1"], keys["governance-2"]])


# -- HTTP ---------------------------------------------------------------------------------------


def signed_request(key: SigningKey, body: bytes, now: datetime) -> httpsig.HttpRequest:
    """What BA's transport sends: Content-Type, then the RFC 9421 profile adds the rest."""
    request = httpsig.HttpRequest(
        "POST", RS_ENDPOINT + ENVELOPES_PATH, httpsig.Headers([("Content-Type", "application/json")])
    )
    httpsig.sign_request(request, key, body=body, now=now)
    return request


def request_text(request: httpsig.HttpRequest, body: bytes, directory_version: int) -> bytes:
    """The request as an HTTP/1.1 message (LF line ends here; CRLF on the wire)."""
    host = RS_ENDPOINT.split("://", 1)[1]
    lines = [f"POST {ENVELOPES_PATH} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    lines += [f"{DIRECTORY_VERSION_HEADER}: {directory_version}", f"Content-Length: {len(body)}"]
    return ("\n".join(lines) + "\n\n").encode("ascii") + body


def wire_headers(request: httpsig.HttpRequest, directory_version: int) -> list[tuple[str, str]]:
    return [*request.headers.items(), (DIRECTORY_VERSION_HEADER, str(directory_version))]


def signature_base(request: httpsig.HttpRequest) -> bytes:
    """The RFC 9421 signature base of a request signed with our profile, built by hand."""
    headers = request.headers
    sig_input = headers["Signature-Input"]
    label, _, inner = sig_input.partition("=")
    assert label == httpsig.LABEL
    authority = RS_ENDPOINT.split("://", 1)[1]
    values = {
        "@method": request.method,
        "@target-uri": request.url,
        "@authority": authority,
        "content-type": headers["Content-Type"],
        "content-digest": headers["Content-Digest"],
    }
    lines = [f'"{name}": {values[name]}' for name in httpsig.COVERED]
    lines.append(f'"@signature-params": {inner}')
    return "\n".join(lines).encode("ascii")


# -- the receiving node ---------------------------------------------------------------------------


@contextmanager
def receiving_node(keys: dict[str, Any], directory_raw: bytes, clock_start: datetime) -> Iterator[Any]:
    """A real RS node (embedded mode) in a temporary folder, its clock stopped; yields (app, clock)."""
    from exchange import create_app
    from exchange.clock import ManualClock
    from exchange.config import Settings
    from exchange.migrate import upgrade
    from exchange.node import build_node

    class _Jobs:
        def enqueue(self, job: str, *args: Any) -> None:
            """The example needs no background work; any job is recorded and dropped."""

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    with tempfile.TemporaryDirectory(prefix="mlax-example-") as home:
        settings = Settings(
            node_id="RS",
            home=Path(home),
            database_url=f"sqlite:///{home}/rs.db",
            signing_key=f"ed25519:{b64url_encode(keys['RS signing'].seed)}",
            encryption_keys=f"x25519:{b64url_encode(keys['RS encryption'].secret)}",
            log_level="WARNING",
        )
        clock = ManualClock(clock_start)
        node = build_node(settings, clock=clock, queue_factory=lambda _node: _Jobs())
        try:
            upgrade(node.db.engine)
            node.directory.install_anchor(directory_raw)
            app = create_app(node=node)
            yield app, clock
        finally:
            node.db.dispose()
            root.handlers[:] = saved[0]
            root.setLevel(saved[1])


def post(
    app: Any, request: httpsig.HttpRequest, body: bytes, directory_version: int
) -> tuple[int, list[tuple[str, str]], bytes]:
    """POST through the WSGI app as gunicorn would pass it (RAW_URI is the request target as sent)."""
    client = app.test_client()
    response = client.post(
        ENVELOPES_PATH,
        base_url=RS_ENDPOINT,
        data=body,
        headers=wire_headers(request, directory_version),
        environ_overrides={"RAW_URI": ENVELOPES_PATH},
    )
    headers = [(name, value) for name, value in response.headers.items()]
    return response.status_code, headers, response.get_data()


def response_text(status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    reasons = {200: "OK", 409: "Conflict", 422: "Unprocessable Content"}
    lines = [f"HTTP/1.1 {status} {reasons.get(status, '')}".rstrip()]
    order = ("Content-Type", "Content-Length", DIRECTORY_VERSION_HEADER)
    present = dict(headers)
    lines += [f"{name}: {present[name]}" for name in order if name in present]
    return ("\n".join(lines) + "\n\n").encode("ascii") + body


# -- the whole example ------------------------------------------------------------------------------


def _hkdf_steps(shared: bytes, salt: bytes, info: bytes) -> tuple[bytes, bytes]:
    prk = hmac.new(salt, shared, hashlib.sha256).digest()
    okm = hmac.new(prk, info + b"\x01", hashlib.sha256).digest()
    return prk, okm


def build_example() -> dict[str, bytes]:
    """Every file of docs/example/, name -> exact bytes."""
    keys = example_keys()
    ba_sign = signing_key(keys, "BA signing")
    rs_enc = encryption_key(keys, "RS encryption")
    files: dict[str, bytes] = {}

    directory_raw = example_directory(keys)
    directory = d.parse_directory(directory_raw)
    d.verify_anchor(directory, T0)
    files["directory.json"] = directory.raw
    files["directory-signed.json"] = directory.signed_bytes

    with fixed_randomness():
        envelope = build_envelope(
            sender="BA",
            recipient="RS",
            message_type="status.query",
            body=BODY,
            signing_key=ba_sign,
            recipient_key=directory.encryption_key_for("RS", T0),
            created=T0,
            approvals=APPROVALS,
            handling=HANDLING,
            message_id=example_message_id(),
        )
        request = signed_request(ba_sign, envelope.raw, T_SEND)
        repeat = signed_request(ba_sign, envelope.raw, T_REPEAT)

    # What the receiver sees: parse, verify, open (also proves the example is self-consistent).
    parsed = parse_envelope_bytes(envelope.raw)
    verify_envelope(parsed, directory, our_node="RS", now=T_SEND)
    content = open_envelope(parsed, {rs_enc.kid: rs_enc})
    verify_content(content, parsed.header, directory)
    header_bytes = canonical_bytes(parsed.header.to_json())

    files["envelope.json"] = envelope.raw
    files["envelope-signed.json"] = envelope.signed_bytes
    files["header.json"] = header_bytes
    files["content.json"] = content.raw
    files["content-signed.json"] = content.signed_bytes
    files["http-request.txt"] = request_text(request, envelope.raw, directory.version)
    files["signature-base.txt"] = signature_base(request)

    with receiving_node(keys, directory_raw, T_SEND) as (app, clock):
        status, headers, answer = post(app, request, envelope.raw, directory.version)
        if status != 200:
            raise RuntimeError(f"RS refused the example request: HTTP {status} {answer[:300]!r}")
        clock.set(T_REPEAT)
        repeat_status, _, repeat_answer = post(app, repeat, envelope.raw, directory.version)
        if repeat_status != 200:
            raise RuntimeError(f"RS refused the repeated request: HTTP {repeat_status} {repeat_answer[:300]!r}")
        replay_status, _, replay_answer = post(app, repeat, envelope.raw, directory.version)
        if replay_status != REPLAY_STATUS:
            raise RuntimeError(f"RS did not refuse the replayed request: HTTP {replay_status} {replay_answer[:300]!r}")

    # The checks BA makes as the sender (protocol.md 7.3 and 8.3), each at the time it reads the answer.
    sender_checks: dict[str, Any] = {
        "receiver": "RS",
        "envelope_id": envelope.header.id,
        "envelope_sha256": envelope.sha256,
        "envelope_sender": "BA",
        "lifetime": (envelope.header.created, envelope.header.expires),
    }
    receipt = parse_receipt_bytes(answer)
    verify_receipt(receipt, directory, **sender_checks, now=T_SEND)
    duplicate = parse_receipt_bytes(repeat_answer)
    verify_receipt(duplicate, directory, **sender_checks, now=T_REPEAT)
    if receipt.status != "accepted" or duplicate.status != "duplicate" or duplicate.original != receipt:
        raise RuntimeError("RS did not answer accepted, then duplicate carrying the original")
    rejection = parse_receipt_bytes(replay_answer)
    verify_receipt(rejection, directory, receiver="RS", now=T_REPEAT)
    if (
        rejection.status != Status.REJECTED
        or rejection.reason != Reason.REPLAYED_REQUEST
        or rejection.envelope_id is not None
        or rejection.request_digest != repeat.headers["Content-Digest"]
    ):
        raise RuntimeError("RS did not refuse the replayed request as a whole, naming its Content-Digest")
    files["receipt.json"] = receipt.raw
    files["receipt-signed.json"] = receipt.signed_bytes
    files["receipt-duplicate.json"] = duplicate.raw
    files["receipt-request-rejected.json"] = rejection.raw
    files["http-response.txt"] = response_text(status, headers, answer)

    # Intermediate values of the sealing, as the recipient recomputes them.
    sealed = parsed.sealed
    recipient_public = rs_enc.public.raw
    ephemeral_secret = labelled(RANDOM_LABELS[0][0])[:32]
    shared = _nacl.x25519(rs_enc.secret, sealed.ephemeral.raw)
    assert shared == _nacl.x25519(ephemeral_secret, recipient_public)
    salt = sealed.ephemeral.raw + recipient_public
    info = b"mla-exchange/1 envelope body"
    prk, aead_key = _hkdf_steps(shared, salt, info)
    assert open_sealed(sealed, rs_enc, header_bytes) == content.raw
    assert _nacl.xchacha20poly1305_decrypt(aead_key, sealed.nonce, header_bytes, sealed.ciphertext) == content.raw

    signature_input = request.headers["Signature-Input"]
    values: dict[str, Any] = {
        "warning": "Published example values. Never use these keys or 'random' values for anything real.",
        "times": {
            "directory_issued": format_time(directory.issued),
            "envelope_created": format_time(envelope.header.created),
            "http_signed_and_received": format_time(T_SEND),
            "repeat_signed_and_received": format_time(T_REPEAT),
        },
        "key_id_example": _key_id_steps("ed25519", ba_sign.public.raw),
        "directory": {
            "signed_bytes": "directory-signed.json",
            "signed_bytes_sha256_hex": hashlib.sha256(directory.signed_bytes).hexdigest(),
            "signers": ["governance-1", "governance-2"],
        },
        "content": {
            "plaintext": "content.json",
            "plaintext_length": len(content.raw),
            "inner_signed_bytes": "content-signed.json",
            "inner_signature_hex": content.signature.hex(),
        },
        "sealing": {
            "suite": "X25519-HKDF-SHA256-XChaCha20Poly1305",
            "ephemeral_secret_hex": ephemeral_secret.hex(),
            "ephemeral_public_hex": sealed.ephemeral.raw.hex(),
            "recipient_public_hex": recipient_public.hex(),
            "recipient_key_id": rs_enc.kid,
            "shared_secret_hex": shared.hex(),
            "hkdf_salt_hex": salt.hex(),
            "hkdf_info": info.decode("ascii"),
            "hkdf_info_hex": info.hex(),
            "hkdf_prk_hex": prk.hex(),
            "aead_key_hex": aead_key.hex(),
            "aead_nonce_hex": sealed.nonce.hex(),
            "aad": "header.json",
            "aad_length": len(header_bytes),
            "aad_sha256_hex": hashlib.sha256(header_bytes).hexdigest(),
            "ciphertext_length": len(sealed.ciphertext),
            "tag_hex": sealed.ciphertext[-16:].hex(),
        },
        "envelope": {
            "signed_bytes": "envelope-signed.json",
            "signature_hex": envelope.signature.hex(),
            "length": len(envelope.raw),
            "sha256_hex": envelope.sha256.hex(),
            "sha256_b64url": b64url_encode(envelope.sha256),
        },
        "http": {
            "url": request.url,
            "created": int(T_SEND.timestamp()),
            "expires": int((T_SEND + httpsig.DEFAULT_VALIDITY).timestamp()),
            "nonce": b64url_encode(labelled(RANDOM_LABELS[2][0])[:16]),
            "content_digest": request.headers["Content-Digest"],
            "signature_input": signature_input,
            "signature_base": "signature-base.txt",
            "signature": request.headers["Signature"],
        },
        "receipt": {
            "signed_bytes": "receipt-signed.json",
            "duplicate": "receipt-duplicate.json",
            "repeat_http_nonce": b64url_encode(labelled(RANDOM_LABELS[3][0])[:16]),
            "repeat_content_digest": repeat.headers["Content-Digest"],
            "request_rejection": "receipt-request-rejected.json",
            "request_rejection_http_status": REPLAY_STATUS,
        },
    }
    files["values.json"] = (json.dumps(values, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    files["keys.json"] = _keys_file(keys)
    return files


def _key_id_steps(alg: str, public: bytes) -> dict[str, str]:
    data = alg.encode("ascii") + b"\x00" + public
    digest = hashlib.sha256(data).digest()
    return {
        "alg": alg,
        "public_key_hex": public.hex(),
        "public_key_b64url": b64url_encode(public),
        "hash_input_hex": data.hex(),
        "sha256_hex": digest.hex(),
        "first_16_bytes_hex": digest[:16].hex(),
        "key_id": f"{alg}:{b64url_encode(digest[:16])}",
    }


def _keys_file(keys: dict[str, Any]) -> bytes:
    entries = []
    for label, key in keys.items():
        secret = key.seed if isinstance(key, SigningKey) else key.secret
        assert key_id(key.alg, key.public.raw) == key.kid
        entries.append(
            {
                "label": label,
                "alg": key.alg,
                "kid": key.kid,
                "public_key": key.public.to_text(),
                "private_seed_derivation": f'SHA-256(UTF-8("{SEED_PREFIX}{label}"))',
                "private_seed_b64url": b64url_encode(secret),
                "private_seed_hex": secret.hex(),
                "private_key_text": f"{key.alg}:{b64url_encode(secret)}",
            }
        )
    document = {
        "warning": (
            "PUBLISHED EXAMPLE KEYS, private halves included, for checking an implementation against "
            "docs/protocol.md. Anyone can sign and decrypt with them. Never use them for anything real."
        ),
        "seed_rule": f'seed = SHA-256(UTF-8("{SEED_PREFIX}" + label)); Ed25519: RFC 8032 seed; X25519: secret scalar',
        "keys": entries,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def check_consistent(files: dict[str, bytes]) -> None:
    """Cheap cross-checks between the files before anything is written."""
    envelope = parse_strict(files["envelope.json"])
    receipt = parse_strict(files["receipt.json"])
    assert receipt["envelope_sha256"] == b64url_encode(hashlib.sha256(files["envelope.json"]).digest())
    assert b64url_decode(envelope["sealed"]["epk"])
    assert files["http-request.txt"].endswith(files["envelope.json"])
    rejection = parse_strict(files["receipt-request-rejected.json"])
    assert f"Content-Digest: {rejection['request_digest']}\n".encode("ascii") in files["http-request.txt"]


# -- the blocks of protocol.md ----------------------------------------------------------------------


def keyid_block(files: dict[str, bytes]) -> str:
    """The key id computation of protocol.md section 2, from values.json."""
    steps = json.loads(files["values.json"])["key_id_example"]
    return "\n".join(
        [
            f"alg                  = {steps['alg']}",
            f"public_key (hex)     = {steps['public_key_hex']}",
            f"hash input (hex)     = {steps['hash_input_hex']}",
            f"SHA-256 (hex)        = {steps['sha256_hex']}",
            f"first 16 bytes (hex) = {steps['first_16_bytes_hex']}",
            f"key id               = {steps['key_id']}",
        ]
    )


def render_block(files: dict[str, bytes], name: str, mode: str | None) -> str:
    """The text a marked block of protocol.md must hold (without the fences)."""
    if name == "keyid":
        return keyid_block(files)
    text = files[name].decode("utf-8")
    if mode == "pretty":
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    if mode == "head":
        return text.split("\n\n", 1)[0]
    return text[:-1] if text.endswith("\n") else text


def marked_blocks(doc: str) -> Iterator[tuple[str, str | None, int, int]]:
    """(name, mode, start, end) of every marked block; doc[start:end] is the text inside the fences."""
    for match in MARKER.finditer(doc):
        fence_open = doc.index("\n", match.end()) + 1
        if not doc.startswith("```", fence_open):
            raise ValueError(f"{match.group(0)} is not followed by a fenced block")
        start = doc.index("\n", fence_open) + 1
        end = start if doc.startswith("```", start) else doc.index("\n```\n", start - 1) + 1
        yield match["name"], match["mode"], start, end


def refresh_doc(doc: str, files: dict[str, bytes]) -> str:
    """`doc` with every marked block replaced by the current example."""
    pieces, last = [], 0
    for name, mode, start, end in marked_blocks(doc):
        pieces += [doc[last:start], render_block(files, name, mode) + "\n"]
        last = end
    return "".join([*pieces, doc[last:]])


def main() -> int:
    files = build_example()
    check_consistent(files)
    OUT.mkdir(exist_ok=True)
    for name, data in sorted(files.items()):
        (OUT / name).write_bytes(data)
        print(f"wrote docs/example/{name} ({len(data)} bytes)")
    doc = DOC.read_text(encoding="utf-8")
    refreshed = refresh_doc(doc, files)
    if refreshed != doc:
        DOC.write_text(refreshed, encoding="utf-8")
        print("refreshed the example blocks of docs/protocol.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
