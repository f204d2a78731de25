"""A message as a PDF, in the reader's language: the same document the page shows."""

from __future__ import annotations

from flask import Response

from exchange.node import current_node
from exchange.render.document import build as build_document
from exchange.render.pdf import PdfHeader, render_pdf
from exchange.requests.models import Case
from exchange.requests.services import MessageView
from exchange.web.i18n import t
from protocols.timefmt import format_time

CAPTIONS = (
    "our_reference", "their_reference", "written_in", "translation", "approvals", "drafter", "approver", "page",
    "printed", "from", "to", "state", "signatures",
)  # fmt: skip


def pdf_response(case: Case, view: MessageView, language: str) -> Response:
    node = current_node()
    document = build_document(view.message.message_type, view.body, language)
    verification = None
    if view.verification is not None:
        verification = t("verify.ok" if view.verification.rechecked else "verify.bad", language)
    header = PdfHeader(
        node_id=node.id,
        case_title=case.title,
        direction=case.direction,
        peer_node=case.peer_node,
        state_label=t(f"state.{case.state}", language),
        approvals=list(view.message.approvals),
        verification=verification,
        printed_at=format_time(node.clock.now()),
        labels={key: t(f"pdf.{key}", language) for key in CAPTIONS},
    )
    data = render_pdf(document, header=header)
    filename = f"{view.message.message_type}-{view.message.id[:8]}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
