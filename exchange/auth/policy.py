"""Who may see and do what. Decided here, in the service layer, for every caller alike.

- A prosecutor sees the cases of their own authority and drafts and answers for it.
- A contact point (the national central authority) sees every case of the node, approves what
  leaves (never their own draft: four eyes), registers and routes what arrives.
- A node administrator manages people and authorities and sees no case content.
- An auditor reads everything, including the audit trail, and changes nothing.

A case outside a user's view is answered exactly like a case that does not exist, so nobody
learns from an error which case ids are real (no existence oracle).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, true

from exchange.auth.models import Role
from exchange.errors import ExchangeError
from exchange.requests.models import Case


class Forbidden(ExchangeError):
    status = 403
    code = "forbidden"


NOT_VISIBLE = "no such case, or not yours to see"


@dataclass(frozen=True)
class Actor:
    """Whoever is acting: a signed-in person, a token's owner, a peer node, or the node itself."""

    id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    authority_id: str | None = None
    name: str = ""
    authority_name: str = ""
    kind: str = "user"  # user | peer | system

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def sees_all_cases(self) -> bool:
        return bool(self.roles & {Role.CONTACT_POINT, Role.AUDITOR}) or self.kind == "system"

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(id=name, kind="system", name=name)

    @classmethod
    def peer(cls, node_id: str) -> Actor:
        return cls(id=f"peer:{node_id}", kind="peer", name=node_id)


def require_role(actor: Actor, *roles: str) -> None:
    if actor.kind == "system":
        return
    if not set(roles) & actor.roles:
        raise Forbidden("your role does not allow this")


def may_see(actor: Actor, case: Case) -> bool:
    if actor.sees_all_cases:
        return True
    return actor.has(Role.PROSECUTOR) and case.authority_id is not None and case.authority_id == actor.authority_id


def visible(actor: Actor) -> ColumnElement[bool]:
    """A SQL condition selecting exactly the cases `actor` may see."""
    if actor.sees_all_cases:
        return true()
    if actor.has(Role.PROSECUTOR) and actor.authority_id:
        return Case.authority_id == actor.authority_id
    return false()


def require_case(actor: Actor, case: Case | None) -> Case:
    """The case, if `actor` may see it; otherwise the same refusal whether or not it exists."""
    if case is None or not may_see(actor, case):
        raise Forbidden(NOT_VISIBLE)
    return case


def require_writer(actor: Actor) -> None:
    """Auditors and administrators never change cases."""
    if actor.kind == "system":
        return
    if not actor.roles & {Role.PROSECUTOR, Role.CONTACT_POINT}:
        raise Forbidden("your role does not allow changes to cases")


def roles_valid(roles: Iterable[str]) -> bool:
    return all(role in Role.ALL for role in roles)
