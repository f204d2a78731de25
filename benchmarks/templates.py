"""What a full MLA request or EIO costs a node, step by step, on one core.

    .venv/bin/python benchmarks/templates.py [--seconds 1] [--repeats 5]

For the demo's MLA request (hearing of a victim, bank records; with a translation of the facts)
and the sample EIO, each of the steps the pages, the API and the receiver run is timed on its own:

    validate       the body against its template (what every wizard step, API call and receiver does)
    draft check    the draft rules (what the wizard runs on every save)
    document       the reader's document in Serbian Cyrillic (the HTML page and the PDF are drawn from it)
    pdf            the A4 PDF of that document (fonts embedded)
    seal+sign      the whole envelope with the approval chain, as the approving contact point sends it
    verify+open    what the receiver does with those bytes, template check included

Medians over the repetitions are printed with min..max, plus the body's canonical size and the
PDF's size and pages. Only figures are printed: nothing is asserted.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from envelope import Setup  # benchmarks/envelope.py: keys and a signed directory, in-process
from pypdf import PdfReader

from exchange.demo.samples import sample
from exchange.demo.story import FACTS_IN_CYRILLIC
from exchange.render.document import build
from exchange.render.pdf import PdfHeader, render_pdf
from protocols import registry
from protocols.canonical import canonical_bytes
from protocols.v1 import envelope as e

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HEADER = PdfHeader(
    node_id="RS",
    case_title="Трговина људима — Приједор / Нови Сад",
    direction="incoming",
    peer_node="BA",
    state_label="Примљено",
    approvals=[
        {"role": "drafter", "name": "Amra Hadžić", "authority": "Tužilaštvo BiH", "at": "2026-11-20T09:00:00Z"},
        {"role": "approver", "name": "Selma Begić", "authority": "Ministarstvo pravde", "at": "2026-11-20T10:00:00Z"},
    ],
    verification="Потписи и ланац одобрења су исправни",
    printed_at="2026-11-22T08:00:00Z",
)


def rate(action: Callable[[], Any], seconds: float) -> float:
    """Calls per second of `action` over about `seconds`."""
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while True:
        action()
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def cases(message_type: str, body: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    sender, recipient = ("BA", "RS") if message_type == "request.mla" else ("HR", "SI")
    approvals = (
        e.Approval("drafter", "u1", "Amra Hadžić", "Tužilaštvo BiH", T0),
        e.Approval("approver", "u2", "Selma Begić", "Ministarstvo pravde BiH", T0),
    )
    setup = Setup(0, message_type=message_type, body=body, sender=sender, recipient=recipient, approvals=approvals)
    kind = registry.message_type(registry.CURRENT, message_type)
    if kind.body_errors(body):
        raise SystemExit(f"the sample {message_type} is not valid: {kind.body_errors(body)}")
    document = build(message_type, body, "sr-Cyrl")
    return {
        "validate": lambda: kind.body_errors(body),
        "draft check": lambda: kind.draft_errors(body),
        "document": lambda: build(message_type, body, "sr-Cyrl"),
        "pdf": lambda: render_pdf(document, header=HEADER),
        "seal+sign": setup.seal,
        "verify+open": setup.open,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    mla = sample("request.mla")
    mla["translations"] = [{"language": "sr-Cyrl", "texts": {"facts_summary": FACTS_IN_CYRILLIC}}]
    bodies = {"request.mla": mla, "request.eio": sample("request.eio")}
    print(f"python {sys.version.split()[0]}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    for message_type, body in bodies.items():
        steps = cases(message_type, body)
        pdf = render_pdf(build(message_type, body, "sr-Cyrl"), header=HEADER)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(
            f"\n{message_type}: body {len(canonical_bytes(body)):,} bytes canonical; "
            f"PDF {len(pdf):,} bytes, {pages} pages"
        )
        samples: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(args.repeats):
            for name, action in steps.items():  # interleaved: drift hits every step alike
                samples[name].append(rate(action, args.seconds))
        for name, rates in samples.items():
            median = statistics.median(rates)
            print(
                f"  {name:<12} {median:>9,.0f}/s  {1000 / median:>8.2f} ms each"
                f"   ({min(rates):,.0f}..{max(rates):,.0f}/s)"
            )


if __name__ == "__main__":
    main()
