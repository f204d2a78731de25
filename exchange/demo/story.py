"""The demo's case: a trafficking investigation in Bosnia and Herzegovina needs evidence from Serbia.

Each step is done as the person who does it in real life, through the same services the pages
and the API use (roles, four eyes and the workflow apply): a BA prosecutor drafts the MLA
request, the BA contact point approves and it leaves; RS registers it and routes it to the
Prosecutor's Office for Organised Crime; the RS prosecutor acknowledges, asks for more
information, gets it, recognises the request, executes it and sends the results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exchange.audit import services as audit
from exchange.auth import services as auth
from exchange.auth.policy import Forbidden
from exchange.demo import people, samples
from exchange.render.document import build as build_document
from exchange.requests import services as cases
from exchange.requests.models import Case, CaseMessage

if TYPE_CHECKING:
    from exchange.demo.run import Demo, Sent

FACTS_IN_CYRILLIC = (
    "У периоду од марта до септембра 2026. године осумњичени су врбовали жене из Приједора и Бањалуке обећањем "
    "посла у угоститељству у Новом Саду, где су их присиљавали на проституцију. Новац се прикупљао преко рачуна "
    "отвореног у Новом Саду."
)


class CaseStory:
    def __init__(self, demo: Demo, password: str) -> None:
        self.demo = demo
        self.password = password
        self.staff: dict[str, people.Staff] = {}

    def seed(self) -> None:
        for node_id in ("BA", "RS", "HR"):
            self.staff[node_id] = people.seed(self.demo.service(node_id), node_id, password=self.password)
        self.demo.timeline.say(
            "People seeded: on each node a contact point, two prosecutors of different offices, an auditor "
            "and an administrator"
        )

    def actor(self, node_id: str, username: str) -> Any:
        return auth.actor_of(self.demo.service(node_id), self.staff[node_id].user(username))

    def _draft_and_send(self, node_id: str, drafter: str, approver: str, case_id: str, message_type: str,
                        body: dict[str, Any]) -> Sent:  # fmt: skip
        node = self.demo.service(node_id)
        draft = cases.draft_reply(node, self.actor(node_id, drafter), case_id, message_type=message_type, body=body)
        cases.submit(node, self.actor(node_id, drafter), draft.id)
        sent = cases.approve(node, self.actor(node_id, approver), draft.id)
        return self._record(node_id, sent)

    def _record(self, node_id: str, message: CaseMessage) -> Sent:
        from exchange.demo.run import Sent

        with self.demo.service(node_id).db.sessions() as session:
            case = session.get(Case, message.case_id)
        assert case is not None
        item = Sent(len(self.demo.sent) + 1, node_id, case.peer_node, message.message_type, str(message.envelope_id))
        self.demo.sent.append(item)
        return item

    def _state(self, node_id: str, case_id: str) -> str:
        with self.demo.service(node_id).db.sessions() as session:
            case = session.get(Case, case_id)
        return case.state if case is not None else "missing"

    def _deliver(self, item: Sent, expected: str, ba_case: str, rs_case: str | None) -> None:
        took = self.demo.wait_delivered([item], timeout=30)
        self.demo.timeline.check(
            took is not None, f"#{item.number} {item.message_type} delivered with its signed receipt"
        )
        self.demo.report_receipts([item])
        states = {"BA": self._state("BA", ba_case)}
        if rs_case is not None:
            states["RS"] = self._state("RS", rs_case)
        self.demo.timeline.check(
            set(states.values()) == {expected}, f"the case is '{expected}' on both sides: {states}"
        )

    def step(
        self,
        node_id: str,
        case_id: str,
        message_type: str,
        changes: dict[str, Any],
        expected: str,
        ba_case: str,
        rs_case: str,
    ) -> None:
        """One answer on the case: drafted by the node's prosecutor, approved by its contact point, delivered."""
        drafter, approver = {"BA": ("amra.hadzic", "selma.begic"), "RS": ("milos.jovanovic", "marija.ilic")}[node_id]
        body = samples.sample(message_type) | changes
        self._deliver(self._draft_and_send(node_id, drafter, approver, case_id, message_type, body), expected,
                      ba_case, rs_case)  # fmt: skip

    def run(self) -> None:
        say, check = self.demo.timeline.say, self.demo.timeline.check
        self.seed()
        ba, rs = self.demo.service("BA"), self.demo.service("RS")
        amra, selma = self.actor("BA", "amra.hadzic"), self.actor("BA", "selma.begic")

        body = samples.sample("request.mla")
        body["translations"] = [{"language": "sr-Cyrl", "texts": {"facts_summary": FACTS_IN_CYRILLIC},
                                 "translated_by": "Јелена Марић, судски тумач"}]  # fmt: skip
        case, request = cases.create_request(ba, amra, recipient="RS", message_type="request.mla", body=body)
        say("Amra Hadžić (prosecutor, Tužilaštvo BiH) drafts an MLA request to Serbia: trafficking in human beings, "
            "Prijedor – Novi Sad; hearing of the victim, bank records, subscriber data; the facts in Bosnian, "
            "with a Serbian Cyrillic translation beside them")  # fmt: skip
        cases.submit(ba, amra, request.id)
        refused = False
        try:
            cases.approve(ba, amra, request.id)
        except Forbidden:
            refused = True
        check(refused, "four eyes: Amra cannot approve her own request")
        sent = cases.approve(ba, selma, request.id)
        say("Selma Begić (BA national contact point, Ministry of Justice) approves: signed, sealed, sent")
        item = self._record("BA", sent)
        took = self.demo.wait_delivered([item], timeout=30)
        check(took is not None, f"#{item.number} request.mla delivered to RS in {took or 0:.2f}s, signed receipt kept")
        self.demo.report_receipts([item])

        marija, milos = self.actor("RS", "marija.ilic"), self.actor("RS", "milos.jovanovic")
        incoming = cases.list_cases(rs, marija, direction="incoming").cases[0]
        _case, views = cases.get_case(rs, marija, incoming.id)
        verification = views[0].verification
        check(
            incoming.state == "received" and verification is not None and verification.rechecked,
            "RS received it: the approval chain (Amra Hadžić drafted, Selma Begić approved) and the signatures "
            "verify at RS",
        )
        check(
            incoming.deadline_kind == "acknowledge" and incoming.deadline_at is not None,
            f"deadline to acknowledge: {incoming.deadline_at:%Y-%m-%d %H:%M} UTC "
            "(urgent: 2 days from the signed receipt)",
        )
        document = build_document("request.mla", views[0].body, "sr-Cyrl")
        facts = next(row for row in document.body.rows if row.path == "facts_summary")
        check(
            facts.language == "bs" and [t.text for t in facts.translations] == [FACTS_IN_CYRILLIC],
            "Марија reads the structure in Serbian Cyrillic, the facts as written in Bosnian and the translation "
            "beside them",
        )
        cases.register(rs, marija, incoming.id, our_reference="МП 41/26")
        tok = next(a for a in self.staff["RS"].authorities if a.name == "Тужилаштво за организовани криминал")
        cases.route(rs, marija, incoming.id, authority_id=tok.id, assignee_id=milos.id)
        say("Марија Илић (RS contact point) registers it as МП 41/26 and routes it to the Prosecutor's Office for "
            "Organised Crime, prosecutor Милош Јовановић")  # fmt: skip

        ba_case, rs_case = case.id, incoming.id
        self.step("RS", rs_case, "ack.receipt", {"our_reference": "МП 41/26"}, "acknowledged", ba_case, rs_case)
        self.step("RS", rs_case, "info.request", {"our_reference": "МП 41/26"}, "info_requested", ba_case, rs_case)
        say("RS asks for the victim's passport number and her address in Novi Sad")
        self.step("BA", ba_case, "info.response", {"their_reference": "МП 41/26"}, "info_provided", ba_case, rs_case)
        say("BA answers (drafted by Amra, approved by Selma)")
        self.step("RS", rs_case, "decision.recognition", {"our_reference": "МП 41/26"}, "recognised", ba_case, rs_case)
        self.step("RS", rs_case, "execution.result", {"our_reference": "МП 41/26"}, "executed", ba_case, rs_case)
        say("RS executed the request: the victim was heard, bank records obtained; minutes sent back to BA")

        moves = [t.to_state for t in cases.transitions(ba, amra, case.id)]
        check(
            moves == ["draft", "submitted", "sent", "delivered", "acknowledged", "info_requested", "info_provided",
                      "recognised", "executed"],
            "BA's case went through every state in order: " + " → ".join(moves),
        )  # fmt: skip
        for node_id in ("BA", "RS"):
            with self.demo.service(node_id).db.sessions() as session:
                chain = audit.verify_chain(session)
            check(chain.intact, f"{node_id}'s audit trail: {chain.events} events, hash chain intact")

    def logins(self) -> list[str]:
        lines = [f"All demo accounts have the password: {self.password}"]
        for node_id, staff in self.staff.items():
            node = self.demo.node(node_id)
            lines.append(f"  {node_id} {node.url}/login")
            for person in people.COUNTRIES[node_id].people:
                if person.username in staff.users:
                    roles = ", ".join(person.roles)
                    lines.append(f"    {person.username:24} {roles:15} {person.display_name}")
        return lines
