"""All mapped tables, imported in one place so Alembic and the drift check see the whole schema."""

from exchange.audit.models import AuditEvent
from exchange.auth.models import ApiToken, Authority, User
from exchange.db import Base
from exchange.directory.models import DirectoryEvent, DirectoryVersion
from exchange.federation.models import InboundEnvelope, OutboundEnvelope, Peer, SeenNonce
from exchange.requests.models import Case, CaseMessage, CaseTransition, Reminder
from exchange.web.models import WebSession

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Authority",
    "Base",
    "Case",
    "CaseMessage",
    "CaseTransition",
    "DirectoryEvent",
    "DirectoryVersion",
    "InboundEnvelope",
    "OutboundEnvelope",
    "Peer",
    "Reminder",
    "SeenNonce",
    "User",
    "WebSession",
]
