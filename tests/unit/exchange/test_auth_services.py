"""Logins, lockout and API tokens on one node (embedded database, the test's clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.audit.models import AuditEvent
from exchange.auth import services as auth
from exchange.auth.models import ApiToken, Role
from exchange.errors import Conflict, InvalidInput
from tests import workflow

PASSWORD = "Tri lipe u Prijedoru 2026"


@pytest.fixture(scope="module")
def ba(tmp_path_factory):
    federation = workflow.build(tmp_path_factory.mktemp("auth"), ("BA",), seed_people=False)
    member = federation["BA"]
    office = auth.create_authority(member.node, name="Tužilaštvo BiH", kind="prosecutor_office")
    yield member, office, federation.clock
    federation.close()


def _user(ba, name, **kwargs):
    member, office, _clock = ba
    return auth.create_user(
        member.node, username=name, display_name=name.title(), authority_id=office.id,
        roles=(Role.PROSECUTOR,), password=PASSWORD, **kwargs,
    )  # fmt: skip


def test_the_right_password_signs_in(ba):
    user = _user(ba, "Amra.Hadzic")
    assert user.username == "amra.hadzic"
    assert auth.authenticate(ba[0].node, " AMRA.hadzic ", PASSWORD).id == user.id


def test_every_failure_gets_the_same_answer(ba):
    _user(ba, "edin.dzeko")
    answers = set()
    for username, password in (("edin.dzeko", "wrong"), ("nobody.here", PASSWORD), ("edin.dzeko", "")):
        with pytest.raises(auth.LoginFailed) as failed:
            auth.authenticate(ba[0].node, username, password)
        answers.add(str(failed.value))
    assert len(answers) == 1
    # A password typed into the name field must not land in the audit trail.
    with ba[0].node.db.sessions() as session:
        actors = list(session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "login")))
    assert not any("nobody.here" in actor for actor in actors)
    assert any(actor.startswith("login:unknown:") for actor in actors)


def test_five_failures_lock_the_account_for_a_while(ba):
    member, _office, clock = ba
    _user(ba, "selma.begic")
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(member.node, "selma.begic", "guess")
    with pytest.raises(auth.LoginFailed):
        auth.authenticate(member.node, "selma.begic", PASSWORD)  # locked, even with the right password
    clock.advance(auth.LOCKOUT + timedelta(seconds=1))
    assert auth.authenticate(member.node, "selma.begic", PASSWORD).username == "selma.begic"
    with member.node.db.sessions() as session:
        outcomes = list(session.scalars(select(AuditEvent.outcome).where(AuditEvent.action == "login")))
    assert "locked" in outcomes


def test_usernames_are_unique_and_roles_known(ba):
    _user(ba, "ivo.maric")
    with pytest.raises(Conflict):
        _user(ba, "IVO.MARIC")
    member, office, _clock = ba
    with pytest.raises(InvalidInput):
        auth.create_user(member.node, username="x", display_name="X", authority_id=office.id, roles=("superuser",))


def test_a_token_works_until_it_expires_or_is_revoked(ba):
    member, _office, clock = ba
    user = _user(ba, "marko.kovac")
    issued = auth.create_token(member.node, user.id, "script", lifetime=timedelta(days=1))
    assert issued.secret.startswith("mlx_")
    assert auth.resolve_token(member.node, issued.secret).id == user.id
    altered = issued.secret[:-1] + ("B" if issued.secret.endswith("A") else "A")
    assert auth.resolve_token(member.node, altered) is None
    with member.node.db.sessions() as session:
        stored = session.get(ApiToken, issued.token.id)
        assert issued.secret not in (stored.token_hash, stored.prefix)
    clock.advance(timedelta(days=1, seconds=1))
    assert auth.resolve_token(member.node, issued.secret) is None
    second = auth.create_token(member.node, user.id, "script 2")
    auth.revoke_token(member.node, auth.actor_of(member.node, user), second.token.id)
    assert auth.resolve_token(member.node, second.secret) is None
