"""The federation directory: who the members are, their endpoints and keys, signed k-of-n.

A directory is a canonical JSON document (see docs/protocol.md, "Directory"). A node trusts
exactly one version at a time. A candidate replaces it only when all of these hold:

1. it parses and is internally consistent (self-certifying key ids, unique nodes and keys);
2. it names the same federation;
3. its version is strictly higher (no rollback, no replay of the same version);
4. it is not expired and not issued in the future;
5. at least `threshold` distinct governance keys of the *trusted* version signed it;
6. if it changes the governance (keys or threshold), at least its *own* threshold of its own
   governance keys signed it too, so a new governance cannot be declared by the old keys alone
   and the old keys cannot be bypassed by a new set.

No single country holds enough keys to change the federation alone. Node keys are looked up as
"valid at time T": retired keys stay listed so old signatures keep verifying, and a revoked key
fails from its revocation time on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from crypto import CryptoError, EncryptionPublicKey, InvalidKeyError, SignatureError, SigningKey, VerifyKey
from crypto.encoding import b64url_encode
from crypto.keys import ED25519, X25519, key_id
from protocols.canonical import canonical_bytes, parse_strict
from protocols.errors import DirectoryError, EnvelopeError, ProtocolError, Reason
from protocols.timefmt import format_time
from protocols.wire import KEY_ID, NODE_ID, Reader

TYP = "mla-exchange/directory+v1"
# Clock skew we tolerate between nodes when judging "issued in the future".
CLOCK_SKEW = timedelta(minutes=5)
# Generous for a regional federation, and small enough that a candidate offered by a peer costs
# little to read before its signatures are checked.
MAX_NODES = 200
MAX_KEYS_PER_NODE = 16
MAX_GOVERNANCE_KEYS = 32
MAX_SIGNATURES = 32
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class KeyEntry:
    """One node key and the window in which it may be used."""

    kid: str
    alg: str
    public: bytes
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None

    def problem_at(self, at: datetime) -> Reason | None:
        """Why this key may not be used at `at`, or None when it may."""
        if self.revoked_at is not None and at >= self.revoked_at:
            return Reason.KEY_REVOKED
        if at < self.valid_from:
            return Reason.KEY_NOT_YET_VALID
        if self.valid_until is not None and at >= self.valid_until:
            return Reason.KEY_EXPIRED
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "alg": self.alg,
            "public_key": b64url_encode(self.public),
            "valid_from": format_time(self.valid_from),
            "valid_until": None if self.valid_until is None else format_time(self.valid_until),
            "revoked_at": None if self.revoked_at is None else format_time(self.revoked_at),
        }


@dataclass(frozen=True)
class NodeEntry:
    """A member node as the directory describes it."""

    id: str
    country: str
    name: str
    endpoint: str
    protocols: tuple[str, ...]
    languages: tuple[str, ...]
    keys: tuple[KeyEntry, ...]

    def signing_keys(self) -> tuple[KeyEntry, ...]:
        return tuple(k for k in self.keys if k.alg == ED25519)

    def encryption_keys(self) -> tuple[KeyEntry, ...]:
        return tuple(k for k in self.keys if k.alg == X25519)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "country": self.country,
            "name": self.name,
            "endpoint": self.endpoint,
            "protocols": list(self.protocols),
            "languages": list(self.languages),
            "keys": [k.to_json() for k in self.keys],
        }


@dataclass(frozen=True)
class GovernanceKey:
    """A key whose holder takes part in approving directory versions."""

    kid: str
    public: VerifyKey
    holder: str


@dataclass(frozen=True)
class Governance:
    """The governance keys and how many of them must sign a new version."""

    threshold: int
    keys: tuple[GovernanceKey, ...]

    def key(self, kid: str) -> GovernanceKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def same_as(self, other: Governance) -> bool:
        return self.threshold == other.threshold and {k.kid for k in self.keys} == {k.kid for k in other.keys}

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "keys": [{"kid": k.kid, "public_key": k.public.to_text(), "holder": k.holder} for k in self.keys],
        }


@dataclass(frozen=True)
class DirectorySignature:
    kid: str
    signature: bytes


@dataclass(frozen=True)
class ThresholdResult:
    """How many distinct governance keys signed a document, and whether that is enough."""

    threshold: int
    valid: frozenset[str]
    invalid: frozenset[str]
    unknown: frozenset[str]

    @property
    def met(self) -> bool:
        return len(self.valid) >= self.threshold

    def describe(self) -> str:
        return f"{len(self.valid)} of the required {self.threshold} governance signatures hold"


@dataclass(frozen=True)
class Directory:
    """A parsed directory, with the exact bytes it was parsed from."""

    federation: str
    version: int
    issued: datetime
    expires: datetime
    governance: Governance
    nodes: tuple[NodeEntry, ...]
    signatures: tuple[DirectorySignature, ...]
    raw: bytes
    signed_bytes: bytes

    # -- lookups -----------------------------------------------------------------------------

    def node(self, node_id: str) -> NodeEntry:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise EnvelopeError(Reason.UNKNOWN_SENDER, f"node {node_id!r} is not a member of the federation")

    def has_node(self, node_id: str) -> bool:
        return any(node.id == node_id for node in self.nodes)

    def signing_key(self, kid: str) -> tuple[NodeEntry, KeyEntry]:
        """The node owning signing key `kid`, whatever its validity."""
        for node in self.nodes:
            for key in node.signing_keys():
                if key.kid == kid:
                    return node, key
        raise EnvelopeError(Reason.UNKNOWN_KEY, "signing key is not listed in the directory")

    def verify_key_at(self, kid: str, at: datetime, *, node_id: str | None = None) -> tuple[NodeEntry, VerifyKey]:
        """The node and public key for signing key `kid`, if that key may sign at time `at`."""
        node, key = self.signing_key(kid)
        if node_id is not None and node.id != node_id:
            raise EnvelopeError(Reason.SENDER_MISMATCH, "signing key belongs to another node")
        problem = key.problem_at(at)
        if problem is not None:
            raise EnvelopeError(problem, f"signing key of {node.id} is not valid at {format_time(at)}")
        return node, VerifyKey(key.public)

    def encryption_key_for(self, node_id: str, at: datetime) -> EncryptionPublicKey:
        """The recipient's current encryption key: the valid one with the latest start."""
        if not self.has_node(node_id):
            raise EnvelopeError(Reason.UNKNOWN_RECIPIENT_KEY, f"{node_id} is not a member of the federation")
        node = self.node(node_id)
        usable = [key for key in node.encryption_keys() if key.problem_at(at) is None]
        if not usable:
            raise EnvelopeError(Reason.UNKNOWN_RECIPIENT_KEY, f"{node_id} has no valid encryption key")
        newest = max(usable, key=lambda key: key.valid_from)
        return EncryptionPublicKey(newest.public)

    def check_encryption_key(self, node_id: str, kid: str, at: datetime) -> None:
        """Raise unless `kid` is an encryption key of `node_id` that was usable at time `at`."""
        for key in self.node(node_id).encryption_keys():
            if key.kid == kid:
                problem = key.problem_at(at)
                if problem is not None:
                    raise EnvelopeError(problem, f"the encryption key sealed to is not usable at {format_time(at)}")
                return
        raise EnvelopeError(Reason.UNKNOWN_RECIPIENT_KEY, "sealed to a key this node does not list")

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = parse_strict(self.raw)
        return result


# -- parsing -------------------------------------------------------------------------------


def parse_directory(data: bytes) -> Directory:
    """Parse and check the internal consistency of a directory; signatures are checked separately."""
    try:
        document = parse_strict(data)
    except ProtocolError as exc:
        raise DirectoryError(Reason.DIRECTORY_MALFORMED, exc.message) from exc
    try:
        return _read_directory(document)
    except DirectoryError:
        raise
    except ProtocolError as exc:
        # Whatever part of the document failed (a field, text with no canonical form), the
        # directory as a whole is malformed.
        raise DirectoryError(Reason.DIRECTORY_MALFORMED, exc.message) from exc


def _read_directory(document: Any) -> Directory:
    reason = Reason.DIRECTORY_MALFORMED
    top = Reader(document, reason)
    top.only("typ", "federation", "version", "issued", "expires", "governance", "nodes", "signatures")
    top.const("typ", TYP)
    federation = top.text("federation", max_len=128)
    version = top.integer("version", minimum=1)
    issued, expires = top.timestamp("issued"), top.timestamp("expires")
    if expires <= issued:
        raise DirectoryError(reason, "expires must be after issued")
    governance = _read_governance(top.obj("governance"))
    nodes = tuple(_read_node(item) for item in top.objects("nodes", max_items=MAX_NODES))
    ids = [node.id for node in nodes]
    if len(set(ids)) != len(ids):
        raise DirectoryError(reason, "node ids must be unique")
    kids = [key.kid for node in nodes for key in node.keys]
    if len(set(kids)) != len(kids):
        raise DirectoryError(reason, "key ids must be unique across the directory")
    signatures = []
    for item in top.objects("signatures", max_items=MAX_SIGNATURES):
        item.only("kid", "alg", "sig")
        item.const("alg", ED25519)
        signatures.append(DirectorySignature(item.text("kid", pattern=KEY_ID), item.binary("sig", size=64)))
    unsigned = {k: v for k, v in document.items() if k != "signatures"}
    return Directory(
        federation=federation,
        version=version,
        issued=issued,
        expires=expires,
        governance=governance,
        nodes=nodes,
        signatures=tuple(signatures),
        raw=canonical_bytes(document),
        signed_bytes=canonical_bytes(unsigned),
    )


def parse_node_entry(value: Any) -> NodeEntry:
    """One node entry (as `exchange init` writes it), checked as the directory would check it."""
    return _read_node(Reader(value, Reason.DIRECTORY_MALFORMED, "node"))


def parse_governance_key(value: Any) -> GovernanceKey:
    """One governance public key file: {kid, public_key, holder}."""
    return _read_governance_key(Reader(value, Reason.DIRECTORY_MALFORMED, "governance key"))


def _read_governance_key(item: Reader) -> GovernanceKey:
    item.only("kid", "public_key", "holder")
    public = _verify_key(item)
    kid = item.text("kid", pattern=KEY_ID)
    if kid != public.kid:
        raise DirectoryError(Reason.DIRECTORY_INVALID_KEY, "governance key id does not match its key")
    return GovernanceKey(kid=kid, public=public, holder=item.text("holder", max_len=128))


def _read_governance(reader: Reader) -> Governance:
    reader.only("threshold", "keys")
    keys = [_read_governance_key(item) for item in reader.objects("keys", min_items=1, max_items=MAX_GOVERNANCE_KEYS)]
    if len({k.kid for k in keys}) != len(keys):
        raise DirectoryError(Reason.DIRECTORY_MALFORMED, "governance keys must be distinct")
    threshold = reader.integer("threshold", minimum=1, maximum=len(keys))
    return Governance(threshold=threshold, keys=tuple(keys))


def _verify_key(item: Reader) -> VerifyKey:
    try:
        key = VerifyKey(item.binary("public_key", size=32))
        key.check_usable()
    except InvalidKeyError as exc:
        raise DirectoryError(Reason.DIRECTORY_INVALID_KEY, "public key is not usable") from exc
    return key


def _read_node(reader: Reader) -> NodeEntry:
    reader.only("id", "country", "name", "endpoint", "protocols", "languages", "keys")
    endpoint = reader.text("endpoint", max_len=512)
    if not endpoint.startswith(("https://", "http://")) or endpoint.endswith("/"):
        raise reader.fail("endpoint", "must be an http(s) URL without a trailing slash")
    try:
        host = urlsplit(endpoint).hostname
    except ValueError as exc:
        raise reader.fail("endpoint", "is not a URL") from exc
    # Plain HTTP only on loopback (tests, the demo): between hosts every exchange needs TLS.
    if endpoint.startswith("http://") and host not in LOOPBACK:
        raise reader.fail("endpoint", "must use https unless it is on loopback")
    keys = tuple(_read_key(item) for item in reader.objects("keys", min_items=1, max_items=MAX_KEYS_PER_NODE))
    return NodeEntry(
        id=reader.text("id", pattern=NODE_ID),
        country=reader.text("country", max_len=2),
        name=reader.text("name", max_len=200),
        endpoint=endpoint,
        protocols=tuple(reader.strings("protocols", max_items=16)),
        languages=tuple(reader.strings("languages", max_items=32)),
        keys=keys,
    )


def _read_key(reader: Reader) -> KeyEntry:
    reader.only("kid", "alg", "public_key", "valid_from", "valid_until", "revoked_at")
    alg = reader.text("alg")
    if alg not in (ED25519, X25519):
        raise reader.fail("alg", "must be ed25519 or x25519")
    public = reader.binary("public_key", size=32)
    kid = reader.text("kid", pattern=KEY_ID)
    if kid != key_id(alg, public):
        raise DirectoryError(Reason.DIRECTORY_INVALID_KEY, f"key id {kid} does not match its key")
    entry = KeyEntry(
        kid=kid,
        alg=alg,
        public=public,
        valid_from=reader.timestamp("valid_from"),
        valid_until=reader.optional_timestamp("valid_until"),
        revoked_at=reader.optional_timestamp("revoked_at"),
    )
    if entry.valid_until is not None and entry.valid_until <= entry.valid_from:
        raise reader.fail("valid_until", "must be after valid_from")
    return entry


# -- signatures and trust ------------------------------------------------------------------


def count_signatures(directory: Directory, governance: Governance) -> ThresholdResult:
    """Which of `governance`'s keys validly signed `directory` (each key counts, and is tried, once)."""
    valid: set[str] = set()
    invalid: set[str] = set()
    unknown: set[str] = set()
    for entry in directory.signatures:
        key = governance.key(entry.kid)
        if key is None:
            unknown.add(entry.kid)
            continue
        if entry.kid in valid or entry.kid in invalid:
            continue
        try:
            key.public.verify(directory.signed_bytes, entry.signature)
        except (SignatureError, CryptoError):
            invalid.add(entry.kid)
        else:
            valid.add(entry.kid)
    return ThresholdResult(governance.threshold, frozenset(valid), frozenset(invalid - valid), frozenset(unknown))


def _check_times(directory: Directory, now: datetime) -> None:
    if directory.is_expired(now):
        raise DirectoryError(
            Reason.DIRECTORY_EXPIRED, f"version {directory.version} expired {format_time(directory.expires)}"
        )
    if directory.issued > now + CLOCK_SKEW:
        raise DirectoryError(Reason.DIRECTORY_NOT_YET_VALID, "directory is issued in the future")


def verify_anchor(directory: Directory, now: datetime) -> ThresholdResult:
    """Check a first directory installed out of band: its own governance threshold, not expired.

    The trust in an anchor comes from how the operator obtained it; this check only catches a
    damaged or incomplete file before it becomes the root of everything else.
    """
    _check_times(directory, now)
    result = count_signatures(directory, directory.governance)
    if not result.met:
        raise DirectoryError(Reason.DIRECTORY_UNDER_THRESHOLD, result.describe())
    check_keys(directory)
    return result


def check_keys(directory: Directory) -> None:
    """Every listed key must be usable: no small-order X25519 point, no malformed Ed25519 key.

    Run after the signatures hold (it costs an X25519 operation per encryption key), so a
    candidate nobody trusted signed cannot make us do that work.
    """
    for node in directory.nodes:
        for key in node.keys:
            try:
                if key.alg == ED25519:
                    VerifyKey(key.public).check_usable()
                else:
                    EncryptionPublicKey(key.public).check_usable()
            except InvalidKeyError as exc:
                raise DirectoryError(Reason.DIRECTORY_INVALID_KEY, f"key {key.kid} is not usable") from exc


def check_update(current: Directory, candidate: Directory, now: datetime) -> ThresholdResult:
    """Raise DirectoryError unless `candidate` may replace the trusted `current` directory."""
    if candidate.federation != current.federation:
        raise DirectoryError(Reason.DIRECTORY_WRONG_FEDERATION, "directory belongs to another federation")
    if candidate.version <= current.version:
        raise DirectoryError(
            Reason.DIRECTORY_ROLLBACK,
            f"version {candidate.version} is not newer than the trusted version {current.version}",
        )
    _check_times(candidate, now)
    by_trusted = count_signatures(candidate, current.governance)
    if not by_trusted.met:
        raise DirectoryError(Reason.DIRECTORY_UNDER_THRESHOLD, "trusted governance: " + by_trusted.describe())
    if not candidate.governance.same_as(current.governance):
        by_new = count_signatures(candidate, candidate.governance)
        if not by_new.met:
            raise DirectoryError(Reason.DIRECTORY_UNDER_THRESHOLD, "new governance: " + by_new.describe())
    check_keys(candidate)
    return by_trusted


# -- building ------------------------------------------------------------------------------


def unsigned_document(
    *,
    federation: str,
    version: int,
    issued: datetime,
    expires: datetime,
    governance: Governance,
    nodes: Iterable[NodeEntry],
) -> dict[str, Any]:
    """A directory document without signatures, ready for governance holders to sign."""
    return {
        "typ": TYP,
        "federation": federation,
        "version": version,
        "issued": format_time(issued),
        "expires": format_time(expires),
        "governance": governance.to_json(),
        "nodes": [node.to_json() for node in nodes],
        "signatures": [],
    }


def add_signatures(document: Mapping[str, Any], keys: Iterable[SigningKey]) -> bytes:
    """Canonical bytes of `document` with a signature added by each key (existing ones kept)."""
    unsigned = {k: v for k, v in document.items() if k != "signatures"}
    signed_bytes = canonical_bytes(unsigned)
    signatures = [dict(s) for s in document.get("signatures", [])]
    present = {s["kid"] for s in signatures}
    for key in keys:
        if key.kid in present:
            continue
        signatures.append({"kid": key.kid, "alg": ED25519, "sig": b64url_encode(key.sign(signed_bytes))})
        present.add(key.kid)
    return canonical_bytes({**unsigned, "signatures": signatures})
