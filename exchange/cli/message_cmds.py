"""`exchange send`, `exchange outbox`, `exchange inbox`: messages from the operator's side."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from exchange.cli.common import app_node, node, when
from exchange.errors import ExchangeError
from exchange.federation import inbox as inbox_service
from exchange.federation import outbox as outbox_service
from exchange.federation.models import OutboxState
from exchange.federation.outbound import send_message
from exchange.jobs import InProcessQueue
from protocols.canonical import parse_strict
from protocols.errors import ProtocolError
from protocols.text import printable
from protocols.timefmt import format_time


def _body(text: str) -> Any:
    raw = Path(text[1:]).read_bytes() if text.startswith("@") else text.encode("utf-8")
    try:
        return parse_strict(raw)
    except ProtocolError as exc:
        raise click.BadParameter(f"not valid JSON: {exc.message}") from exc


@click.command()
@click.option("--to", "recipient", required=True, help="Recipient node id, e.g. RS.")
@click.option("--type", "message_type", required=True, help="Message type, e.g. status.query.")
@click.option("--body", "body_text", required=True, help="The body as JSON, or @file.json.")
@click.option("--conversation", default=None, help="Conversation id to continue (default: a new one).")
@click.option("--in-reply-to", default=None, help="Message id this answers.")
@click.option("--wait", type=float, default=10.0, show_default=True, help="Seconds to wait for the receipt (0: don't).")
def send(
    recipient: str, message_type: str, body_text: str, conversation: str | None, in_reply_to: str | None, wait: float
) -> None:
    """Seal, sign and queue a message for a peer; wait for its signed receipt."""
    app, current = app_node()
    body = _body(body_text)
    with app.app_context():
        try:
            with current.transaction() as session:
                row = send_message(
                    current,
                    session,
                    recipient=recipient,
                    message_type=message_type,
                    body=body,
                    conversation=conversation,
                    in_reply_to=in_reply_to,
                )
        except ProtocolError as exc:
            raise click.ClickException(f"not sent ({exc.reason}): {exc.message}") from exc
        except ExchangeError as exc:
            raise click.ClickException(f"not sent: {exc}") from exc
        message_id = row.id
        click.echo(f"queued {message_type} {message_id} for {recipient}")
        deadline = time.monotonic() + wait
        state = OutboxState.PENDING
        while wait > 0 and time.monotonic() < deadline:
            if isinstance(current.queue, InProcessQueue):
                current.queue.drain(timeout=max(0.1, deadline - time.monotonic()))
            state = outbox_service.get_envelope(current, message_id).state
            if state != OutboxState.PENDING:
                break
            time.sleep(0.2)
        row = outbox_service.get_envelope(current, message_id)
        click.echo(_describe(row))
        if isinstance(current.queue, InProcessQueue):
            current.queue.shutdown()
    if row.state in (OutboxState.REJECTED, OutboxState.FAILED):
        raise SystemExit(1)


def _describe(row: Any) -> str:
    if row.state == OutboxState.DELIVERED:
        return f"delivered to {row.recipient} at {when(row.delivered_at)} (signed receipt stored)"
    if row.state == OutboxState.PENDING:
        last = row.last_error or "not tried yet"
        return f"waiting for {row.recipient} (attempt {row.attempts}; {printable(last)}); it stays queued"
    return f"{row.state}: {row.last_error}"


@click.group()
def outbox() -> None:
    """What waits for which peer, what failed and why; retry it."""


@outbox.command("status")
def outbox_status() -> None:
    """Per peer: envelopes by state, and the peer's backoff."""
    for item in outbox_service.summary(node()):
        states = ", ".join(f"{count} {state}" for state, count in sorted(item.states.items())) or "nothing queued"
        backoff = f"; backing off until {item.retry_at} after {item.failures} failure(s)" if item.retry_at else ""
        error = f"; last error: {printable(item.last_error)}" if item.last_error else ""
        click.echo(f"{item.peer:6} {states}{backoff}{error}")


@outbox.command("list")
@click.option("--state", type=click.Choice(OutboxState.ALL), default=None)
@click.option("--peer", default=None)
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def outbox_list(state: str | None, peer: str | None, limit: int, as_json: bool) -> None:
    """Outgoing envelopes, newest first."""
    for row in outbox_service.list_envelopes(node(), state=state, peer=peer, limit=limit):
        if as_json:
            click.echo(json.dumps(_row_json(row)))
        else:
            click.echo(
                f"{row.id}  {row.recipient:5} {row.message_type:14} {row.state:9} "
                f"tries={row.attempts} {printable(row.last_error or '')}"
            )


def _row_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "recipient": row.recipient,
        "type": row.message_type,
        "state": row.state,
        "attempts": row.attempts,
        "queued_at": format_time(row.queued_at),
        "delivered_at": None if row.delivered_at is None else format_time(row.delivered_at),
        "last_error": row.last_error,
    }


@outbox.command("retry")
@click.argument("envelope_id")
def outbox_retry(envelope_id: str) -> None:
    """Put a failed or refused envelope back in the queue, now."""
    app, current = app_node()
    with app.app_context():
        try:
            outbox_service.retry(current, envelope_id)
        except ExchangeError as exc:
            raise click.ClickException(str(exc)) from exc
        if isinstance(current.queue, InProcessQueue):
            current.queue.drain(timeout=15)
            current.queue.shutdown()
        click.echo(_describe(outbox_service.get_envelope(current, envelope_id)))


@outbox.command("export")
@click.argument("envelope_id")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
def outbox_export(envelope_id: str, folder: Path) -> None:
    """Save the sealed envelope and its receipt as files, for `exchange verify`."""
    row = outbox_service.get_envelope(node(), envelope_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{row.id}.envelope.json").write_bytes(row.envelope)
    click.echo(f"envelope: {folder / f'{row.id}.envelope.json'}")
    if row.receipt is not None:
        (folder / f"{row.id}.receipt.json").write_bytes(row.receipt)
        click.echo(f"receipt:  {folder / f'{row.id}.receipt.json'}")


@click.group()
def inbox() -> None:
    """What arrived from other nodes (sealed at rest; opened on request)."""


@inbox.command("list")
@click.option("--sender", default=None)
@click.option("--limit", type=int, default=50, show_default=True)
def inbox_list(sender: str | None, limit: int) -> None:
    for row in inbox_service.list_messages(node(), sender=sender, limit=limit):
        click.echo(f"{row.message_id}  from {row.sender:5} {row.message_type:14} received {when(row.received_at)}")


@inbox.command("show")
@click.argument("sender")
@click.argument("message_id")
def inbox_show(sender: str, message_id: str) -> None:
    """Open a message (decrypt, verify the inner signature again) and print it."""
    try:
        opened = inbox_service.open_message(node(), sender, message_id)
    except (ExchangeError, ProtocolError) as exc:
        raise click.ClickException(str(exc)) from exc
    content = opened.content
    click.echo(
        f"{content.type} {content.message_id} from {content.sender} to {content.recipient}, "
        f"{format_time(content.created)}"
    )
    for approval in content.approvals:
        click.echo(printable(f"  {approval.role}: {approval.name} ({approval.authority}) {format_time(approval.at)}"))
    handling = content.handling
    click.echo(
        f"  handling: {handling.confidentiality}; onward transfer {handling.onward_transfer}; "
        f"purpose: {printable(handling.purpose)}"
    )
    for line in json.dumps(content.body, ensure_ascii=False, indent=2).splitlines():
        click.echo(printable(line))


COMMANDS = [send, outbox, inbox]
