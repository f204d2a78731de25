"""The federation plane over HTTP: thin views around the inbound services.

Nodes authenticate with RFC 9421 signatures, not sessions or tokens; the raw request target is
rebuilt from the server's `RAW_URI` because Werkzeug's `request.url` is percent-decoded and would
not match what the peer signed.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, json, request
from werkzeug.exceptions import RequestEntityTooLarge

from exchange.directory import gossip
from exchange.errors import ConfigurationError, error_body
from exchange.federation import inbound
from exchange.federation.transport import DIRECTORY_VERSION_HEADER, announced_version
from exchange.node import Node, current_node
from protocols.errors import ProtocolError, Reason
from protocols.v1 import httpsig

bp = Blueprint("federation", __name__, url_prefix="/federation/v1")

_SAFE_PATH = "/;=,!$&'()*+:@~"


def signed_request(node: Node) -> httpsig.HttpRequest:
    """The request as the peer signed it: method, absolute URL with the raw target, header lines."""
    environ = request.environ
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not target:
        target = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe=_SAFE_PATH)
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
    if "://" not in target:
        # Behind a TLS terminator the WSGI scheme is http; peers address us by our public URL.
        scheme = urlsplit(node.own_url()).scheme
        target = f"{scheme}://{request.headers.get('Host', '')}{target}"
    return httpsig.HttpRequest(request.method, target, httpsig.Headers(list(request.headers.items())))


def _read_body(node: Node) -> bytes:
    limit = node.settings.max_request_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ProtocolError(Reason.PAYLOAD_TOO_LARGE, f"requests are limited to {limit} bytes")
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge as exc:
        raise ProtocolError(Reason.PAYLOAD_TOO_LARGE, f"requests are limited to {limit} bytes") from exc
    if len(body) > limit:
        raise ProtocolError(Reason.PAYLOAD_TOO_LARGE, f"requests are limited to {limit} bytes")
    if request.mimetype != "application/json":
        raise ProtocolError(Reason.UNSUPPORTED_MEDIA_TYPE, "federation requests are application/json")
    return body


def _respond(node: Node, answer: inbound.Answer) -> Response:
    response = Response(answer.body, status=answer.status, mimetype="application/json")
    version = node.directory.version()
    if version is not None:
        response.headers[DIRECTORY_VERSION_HEADER] = str(version)
    if answer.peer is not None:
        gossip.consider(node, answer.peer, announced_version(request.headers.get(DIRECTORY_VERSION_HEADER)))
    return response


Handler = Callable[[Node, httpsig.HttpRequest, bytes], inbound.Answer]


def _handle(handler: Handler) -> Response:
    node = current_node()
    try:
        body = _read_body(node)
        answer = handler(node, signed_request(node), body)
    except ProtocolError as exc:
        answer = inbound.request_rejection(node, exc, node.clock.now(), request.headers.get("Content-Digest"))
    except ConfigurationError:
        error = ProtocolError(Reason.TEMPORARILY_UNAVAILABLE, "this node is not ready to receive")
        answer = inbound.request_rejection(node, error, node.clock.now(), request.headers.get("Content-Digest"))
    return _respond(node, answer)


@bp.post("/envelopes")
def post_envelopes() -> Response:
    """Receive one envelope or a batch of up to 50; answer with signed receipts."""
    return _handle(inbound.receive_envelopes)


@bp.post("/ping")
def post_ping() -> Response:
    """An authenticated sign of life; the answer tells the caller we are up."""
    return _handle(inbound.receive_ping)


@bp.get("/directory")
def get_directory() -> Response:
    """The directory we trust, exactly as signed, for peers to adopt if it is newer than theirs."""
    node = current_node()
    directory = node.directory.current_or_none(fresh=True)
    if directory is None:
        body = json.dumps(error_body("temporarily_unavailable", "this node has no directory installed yet"))
        return Response(body, status=503, mimetype="application/json")
    response = Response(directory.raw, mimetype="application/json")
    response.headers[DIRECTORY_VERSION_HEADER] = str(directory.version)
    return response
