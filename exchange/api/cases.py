"""Requests, cases, messages (drafts, replies, decisions), approvals and reminders over REST.

The views only translate HTTP to the service layer and back: who may do what, and every change
of state, is decided in `exchange.requests.services`, the same for the web pages and the CLI.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from exchange.api import schemas as s
from exchange.api.core import current_actor, etag_of, expected_version, window
from exchange.api.denials import audit_denials
from exchange.node import current_node
from exchange.requests import reminders
from exchange.requests import services as cases
from exchange.requests.models import Case, CaseMessage

bp = Blueprint(
    "cases",
    __name__,
    url_prefix="/api/v1",
    description="Requests and their cases: drafting, approval, routing, replies, decisions.",
)
audit_denials(bp)

ERRORS = (401, 403, 409)


def _errors(*statuses: int) -> Any:
    """Document the shared error responses on a view."""

    def decorate(function: Any) -> Any:
        for status in statuses:
            function = bp.alt_response(status, response=HTTPStatus(status).name)(function)
        return function

    return decorate


def message_json(message: CaseMessage, body: dict[str, Any] | None = None, verification: Any = None) -> dict[str, Any]:
    out = {column: getattr(message, column) for column in s.MessageOut().fields if hasattr(message, column)}
    out["body"] = body
    out["verification"] = verification
    return out


def _with_etag(payload: Any, version: int) -> tuple[Any, int, dict[str, str]]:
    return payload, 200, {"ETag": etag_of(version)}


@bp.route("/cases")
class Cases(MethodView):
    @bp.arguments(s.CaseFilter, location="query", as_kwargs=True)
    @bp.response(200, s.CaseOut(many=True))
    @bp.paginate(page_size=25, max_page_size=200)
    @_errors(401)
    def get(self, pagination_parameters: Any, **filters: Any) -> list[Case]:
        """Cases you may see, newest activity first."""
        offset, limit = window(pagination_parameters)
        page = cases.list_cases(
            current_node(),
            current_actor(),
            offset=offset,
            limit=limit,
            **filters,
        )
        pagination_parameters.item_count = page.total
        return page.cases


@bp.route("/requests")
class Requests(MethodView):
    @bp.arguments(s.NewRequest)
    @bp.response(201, s.NewRequestOut)
    @_errors(401, 403)
    @bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data: dict[str, Any]) -> Any:
        """Draft a new request to another node (a prosecutor); nothing leaves until approved."""
        case, message = cases.create_request(
            current_node(),
            current_actor(),
            recipient=data["recipient"],
            message_type=data["message_type"],
            body=data["body"],
            title=data.get("title"),
        )
        return {"case": case, "message": message_json(message, data["body"])}, 201, {"ETag": etag_of(message.version)}


@bp.route("/cases/<string:case_id>")
class CaseDetail(MethodView):
    @bp.response(200, s.CaseDetailOut)
    @_errors(401, 403)
    def get(self, case_id: str) -> Any:
        """A case with its messages, bodies opened, and the signature check of each incoming one."""
        case, views = cases.get_case(current_node(), current_actor(), case_id)
        payload = {column: getattr(case, column) for column in s.CaseOut().fields}
        payload["messages"] = [message_json(view.message, view.body, view.verification) for view in views]
        return _with_etag(payload, case.version)


@bp.route("/cases/<string:case_id>/transitions")
class CaseTransitions(MethodView):
    @bp.response(200, s.TransitionOut(many=True))
    @_errors(401, 403)
    def get(self, case_id: str) -> Any:
        """Every change of the case's state: from, to, who, when, why."""
        return cases.transitions(current_node(), current_actor(), case_id)


@bp.route("/cases/<string:case_id>/messages")
class CaseMessages(MethodView):
    @bp.arguments(s.NewMessage)
    @bp.response(201, s.MessageOut)
    @_errors(401, 403, 409)
    @bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data: dict[str, Any], case_id: str) -> Any:
        """Draft a reply on the case: acknowledgement, questions, answers, a decision, results."""
        message = cases.draft_reply(
            current_node(), current_actor(), case_id, message_type=data["message_type"], body=data["body"]
        )
        return message_json(message, data["body"]), 201, {"ETag": etag_of(message.version)}


@bp.route("/cases/<string:case_id>/decisions")
class CaseDecisions(MethodView):
    @bp.response(200, s.MessageOut(many=True))
    @_errors(401, 403)
    def get(self, case_id: str) -> Any:
        """The decisions on the case (recognition, refusal, postponement, other measure), in order."""
        _case, views = cases.get_case(current_node(), current_actor(), case_id)
        return [
            message_json(view.message, view.body, view.verification)
            for view in views
            if view.message.message_type.startswith("decision.")
        ]


def _case_action(case_id: str, action: Any, **kwargs: Any) -> Any:
    case = action(current_node(), current_actor(), case_id, expected_version=expected_version(required=False), **kwargs)
    return _with_etag(case, case.version)


@bp.route("/cases/<string:case_id>/register")
class Register(MethodView):
    @bp.arguments(s.Registration)
    @bp.response(200, s.CaseOut)
    @_errors(401, 403, 409, 412)
    def post(self, data: dict[str, Any], case_id: str) -> Any:
        """A contact point registers an incoming request under the node's own reference."""
        return _case_action(case_id, cases.register, our_reference=data["our_reference"])


@bp.route("/cases/<string:case_id>/route")
class Route(MethodView):
    @bp.arguments(s.Routing)
    @bp.response(200, s.CaseOut)
    @_errors(401, 403, 409, 412)
    def post(self, data: dict[str, Any], case_id: str) -> Any:
        """A contact point sends an incoming request to the competent authority (and a prosecutor)."""
        return _case_action(
            case_id, cases.route, authority_id=data["authority_id"], assignee_id=data.get("assignee_id")
        )


@bp.route("/cases/<string:case_id>/close")
class Close(MethodView):
    @bp.response(200, s.CaseOut)
    @_errors(401, 403, 409, 412)
    def post(self, case_id: str) -> Any:
        """Close a case whose business is done (or a draft that will not be sent)."""
        return _case_action(case_id, cases.close)


@bp.route("/messages/<string:message_id>")
class Message(MethodView):
    @bp.response(200, s.MessageOut)
    @_errors(401, 403)
    def get(self, message_id: str) -> Any:
        """One message with its body; its ETag is its version."""
        _case, view = cases.get_message(current_node(), current_actor(), message_id)
        return _with_etag(message_json(view.message, view.body, view.verification), view.message.version)

    @bp.arguments(s.DraftUpdate)
    @bp.response(200, s.MessageOut)
    @_errors(401, 403, 409, 412, 428)
    @bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def put(self, data: dict[str, Any], message_id: str) -> Any:
        """Replace a draft's body (its drafter only); If-Match is required."""
        message = cases.update_draft(
            current_node(), current_actor(), message_id, data["body"], expected_version=expected_version(required=True)
        )
        return _with_etag(message_json(message, data["body"]), message.version)

    @bp.response(204)
    @_errors(401, 403, 409)
    def delete(self, message_id: str) -> Any:
        """Discard a reply draft that was never submitted (its drafter only)."""
        cases.discard_draft(current_node(), current_actor(), message_id)
        return Response(status=204)


def _message_action(message_id: str, action: Any, **kwargs: Any) -> Any:
    message = action(
        current_node(), current_actor(), message_id, expected_version=expected_version(required=False), **kwargs
    )
    return _with_etag(message_json(message), message.version)


@bp.route("/messages/<string:message_id>/submit")
class Submit(MethodView):
    @bp.response(200, s.MessageOut)
    @_errors(401, 403, 409, 412)
    @bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, message_id: str) -> Any:
        """The drafter asks a contact point to approve; 422 lists what is still missing or wrong."""
        return _message_action(message_id, cases.submit)


@bp.route("/messages/<string:message_id>/approve")
class Approve(MethodView):
    @bp.response(200, s.MessageOut)
    @_errors(401, 403, 409, 412)
    @bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, message_id: str) -> Any:
        """A contact point approves (never their own draft) and the message leaves, signed and sealed."""
        return _message_action(message_id, cases.approve)


@bp.route("/messages/<string:message_id>/return")
class ReturnToDrafter(MethodView):
    @bp.arguments(s.ReturnComment)
    @bp.response(200, s.MessageOut)
    @_errors(401, 403, 409, 412)
    def post(self, data: dict[str, Any], message_id: str) -> Any:
        """A contact point returns a submitted draft to its drafter, saying what must change."""
        return _message_action(message_id, cases.return_to_drafter, comment=data["comment"])


@bp.route("/approvals")
class Approvals(MethodView):
    @bp.response(200, s.PendingOut(many=True))
    @_errors(401, 403)
    def get(self) -> Any:
        """Messages waiting for a contact point's approval, oldest first."""
        return [
            {"message": message_json(message), "case": case}
            for message, case in cases.pending_approvals(current_node(), current_actor())
        ]


@bp.route("/reminders")
class Reminders(MethodView):
    @bp.response(200, s.ReminderOut(many=True))
    @_errors(401)
    def get(self) -> Any:
        """Deadline reminders (due soon, overdue) on the cases you may see, most urgent first."""
        return [
            {
                "id": item.reminder.id,
                "case_id": item.case.id,
                "deadline_kind": item.reminder.deadline_kind,
                "due_at": item.reminder.due_at,
                "level": item.reminder.level,
                "created_at": item.reminder.created_at,
                "case_title": item.case.title,
            }
            for item in reminders.open_reminders(current_node(), current_actor())
        ]


@bp.route("/reminders/<int(max=2147483647):reminder_id>/acknowledge")
class AcknowledgeReminder(MethodView):
    @bp.response(204)
    @_errors(401, 403)
    def post(self, reminder_id: int) -> Any:
        """Take a reminder off the list (for everyone who sees the case)."""
        reminders.acknowledge(current_node(), current_actor(), reminder_id)
        return Response(status=204)
