"""All mapped tables, imported in one place so Alembic and the drift check see the whole schema."""

from exchange.db import Base
from exchange.directory.models import DirectoryEvent, DirectoryVersion
from exchange.federation.models import InboundEnvelope, OutboundEnvelope, Peer, SeenNonce

__all__ = ["Base", "DirectoryEvent", "DirectoryVersion", "InboundEnvelope", "OutboundEnvelope", "Peer", "SeenNonce"]
