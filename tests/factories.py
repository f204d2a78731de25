"""Builders for test federations: nodes with real keys, a governance, signed directories."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from crypto import EncryptionKey, SigningKey
from protocols.v1 import directory as d

T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


@dataclass
class TestNode:
    id: str
    endpoint: str
    signing: SigningKey = field(default_factory=SigningKey.generate)
    encryption: EncryptionKey = field(default_factory=EncryptionKey.generate)
    valid_from: datetime = T0 - timedelta(days=30)
    valid_until: datetime | None = None
    revoked_at: datetime | None = None

    __test__ = False

    def entry(self) -> d.NodeEntry:
        return d.NodeEntry(
            id=self.id,
            country=self.id[:2],
            name=f"Test node {self.id}",
            endpoint=self.endpoint,
            protocols=("mla-exchange/1",),
            languages=("en",),
            keys=(
                d.KeyEntry(
                    self.signing.kid,
                    "ed25519",
                    self.signing.public.raw,
                    self.valid_from,
                    self.valid_until,
                    self.revoked_at,
                ),
                d.KeyEntry(self.encryption.kid, "x25519", self.encryption.public.raw, self.valid_from, None, None),
            ),
        )


@dataclass
class TestFederation:
    nodes: dict[str, TestNode]
    governance_keys: list[SigningKey]
    threshold: int = 2
    name: str = "test-federation"

    __test__ = False

    def governance(self, keys: list[SigningKey] | None = None, threshold: int | None = None) -> d.Governance:
        keys = keys if keys is not None else self.governance_keys
        return d.Governance(
            threshold=threshold or self.threshold,
            keys=tuple(d.GovernanceKey(k.kid, k.public, f"holder-{i}") for i, k in enumerate(keys)),
        )

    def document(
        self,
        *,
        version: int = 1,
        issued: datetime = T0 - timedelta(days=1),
        lifetime: timedelta = timedelta(days=90),
        governance: d.Governance | None = None,
        nodes: list[d.NodeEntry] | None = None,
        federation: str | None = None,
    ) -> dict:
        return d.unsigned_document(
            federation=federation or self.name,
            version=version,
            issued=issued,
            expires=issued + lifetime,
            governance=governance or self.governance(),
            nodes=nodes if nodes is not None else [node.entry() for node in self.nodes.values()],
        )

    def signed(self, signers: list[SigningKey] | None = None, **kwargs) -> bytes:
        signers = signers if signers is not None else self.governance_keys[: self.threshold]
        return d.add_signatures(self.document(**kwargs), signers)

    def directory(self, **kwargs) -> d.Directory:
        return d.parse_directory(self.signed(**kwargs))


def federation(*ids: str, threshold: int = 2, governance_size: int = 3, base_port: int = 9000) -> TestFederation:
    nodes = {node_id: TestNode(node_id, f"http://127.0.0.1:{base_port + i}") for i, node_id in enumerate(ids)}
    return TestFederation(nodes, [SigningKey.generate() for _ in range(governance_size)], threshold)


def with_node(fed: TestFederation, node: TestNode) -> TestFederation:
    return replace(fed, nodes={**fed.nodes, node.id: node})
