"""A real OpenID Connect provider for tests: the npm package oidc-provider, run by node on a loopback port.

Our OIDC login is only worth testing against a provider that really signs ID tokens, checks client
secrets, PKCE, nonces and redirect URIs; a mock would agree with whatever our code assumes. So this
module starts tests/oidc/provider.mjs (oidc-provider 9 with its development interactions) and drives
its login and consent pages with plain HTTP, the way a browser would, without needing a browser.

    with OidcProvider.start([{"client_id": "exchange", "client_secret": "s3cret",
                              "redirect_uris": ["http://127.0.0.1:5000/auth/callback"]}]) as idp:
        # point Authlib at idp.metadata_url, get the authorization URL from our app, then:
        callback_url = sign_in(requests.Session(), authorization_url, "amra.hadzic")
        # hand callback_url (with ?code=...&state=...) to our Flask app's callback route

The account signed in as "amra.hadzic" has sub "amra.hadzic", name "Amra Hadzic" and e-mail
"amra.hadzic@idp.test" (verified); any password is accepted.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import requests

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
"""Holds package.json, package-lock.json and provider.mjs; node_modules is installed here, not committed."""

START_TIMEOUT = 20.0
NPM_CI_TIMEOUT = 240.0


def ensure_installed() -> Path:
    """Install oidc-provider into tests/oidc/node_modules from the lock file when it is missing or stale.

    node_modules is not committed, so a fresh clone (and CI) installs it here on first use; a lock
    file newer than the installed tree means someone changed the pinned version. Returns tests/oidc.
    """
    lock = OIDC_DIR / "package-lock.json"
    installed = OIDC_DIR / "node_modules" / ".package-lock.json"  # npm writes this after every install
    package = OIDC_DIR / "node_modules" / "oidc-provider" / "package.json"
    if package.exists() and installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return OIDC_DIR
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is not on PATH: the OIDC test provider (tests/oidc, npm package oidc-provider) needs "
            "Node.js and npm; install them (e.g. apt-get install nodejs npm) and run the tests again"
        )
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=OIDC_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"npm ci in {OIDC_DIR} did not finish within {NPM_CI_TIMEOUT:.0f} s") from error
    if result.returncode != 0 or not package.exists():
        raise RuntimeError(
            f"npm ci in {OIDC_DIR} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}".rstrip()
        )
    return OIDC_DIR


def free_port() -> int:
    """A port nobody listens on right now, from the kernel; the small race until node binds it is accepted."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OidcProvider:
    """One oidc-provider process on 127.0.0.1, with the given clients registered; stop() ends it.

    Each client is a dict {client_id, client_secret, redirect_uris, post_logout_redirect_uris?}; they
    authenticate at the token endpoint with client_secret_basic (Authlib's default) or client_secret_post.
    """

    def __init__(self, clients: list[dict[str, Any]], port: int | None = None) -> None:
        self.clients = clients
        self.port = port if port is not None else free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None

    @property
    def metadata_url(self) -> str:
        """The discovery document's URL: what Authlib's register(server_metadata_url=...) wants."""
        return f"{self.issuer}/.well-known/openid-configuration"

    @classmethod
    def start(cls, clients: list[dict[str, Any]], port: int | None = None) -> OidcProvider:
        """Start a provider and return it once its discovery document answers."""
        provider = cls(clients, port)
        provider._start()
        return provider

    def _start(self) -> None:
        directory = ensure_installed()
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not on PATH: the OIDC test provider (tests/oidc/provider.mjs) needs Node.js")
        environment = {
            **os.environ,
            "OIDC_PORT": str(self.port),
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENTS": json.dumps(self.clients),
        }
        # A file, not a pipe: nobody reads the output while the provider runs, and a full pipe would block it.
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as this object, for output()
        self._process = subprocess.Popen(
            [node, str(directory / "provider.mjs")],
            cwd=directory,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"the OIDC provider exited with code {self._process.returncode} before answering "
                    f"{self.metadata_url}; its output:\n{self.output()}"
                )
            try:
                response = requests.get(self.metadata_url, timeout=2)
                if response.status_code == 200 and response.json().get("issuer") == self.issuer:
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
            except (requests.ConnectionError, requests.Timeout, ValueError) as error:
                last_error = str(error)
            time.sleep(0.05)
        raise RuntimeError(
            f"the OIDC provider did not answer {self.metadata_url} within {START_TIMEOUT:.0f} s "
            f"(last: {last_error}); its output:\n{self.output()}"
        )

    def output(self) -> str:
        """What the provider printed so far (stdout and stderr): for error messages and debugging."""
        if self._output is None:
            return ""
        self._output.flush()
        self._output.seek(0)
        return self._output.read().decode("utf-8", "replace")

    def stop(self) -> None:
        """End the process this object started (by its pid, nothing else) and wait for it."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def __enter__(self) -> OidcProvider:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


@dataclass
class _Form:
    action: str
    method: str
    inputs: list[dict[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    """Collects each <form>'s action, method and <input>/<button> attributes: all sign_in needs of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._current: _Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = _Form(action=attributes.get("action", ""), method=attributes.get("method", "get").lower())
            self.forms.append(self._current)
        elif tag in ("input", "button") and self._current is not None:
            default_type = "submit" if tag == "button" else "text"
            self._current.inputs.append({**attributes, "type": attributes.get("type", default_type).lower()})

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


class _TextParser(HTMLParser):
    """The visible text of a page, for error messages: oidc-provider's error page says what is wrong in <pre>s."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("style", "script", "title")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "script", "title")

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def _page_text(html: str) -> str:
    parser = _TextParser()
    parser.feed(html)
    return " ".join(parser.parts)[:2000]


def _fill(form: _Form, login: str) -> dict[str, str]:
    """The fields a person would send: hidden values as given, the login name, any password, the first button."""
    data: dict[str, str] = {}
    login_placed = button_placed = False
    for element in form.inputs:
        name, kind = element.get("name"), element["type"]
        if not name:
            continue
        if kind in ("text", "email") and not login_placed:
            data[name], login_placed = login, True
        elif kind == "password":
            data[name] = "any-password"
        elif kind in ("submit", "image"):
            if not button_placed:
                data[name], button_placed = element.get("value", ""), True
        elif kind in ("checkbox", "radio"):
            if "checked" in element:
                data[name] = element.get("value", "on")
        else:
            data[name] = element.get("value", "")
    return data


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def sign_in(session: requests.Session, authorization_url: str, login: str) -> str:
    """Sign in at the provider as `login` and consent; return the redirect to the client, unfollowed.

    Follows the provider's redirects and submits its forms (login form, then consent) as a browser
    would, with the session's cookies. Stops at the first redirect that leaves the provider (or goes to
    the request's redirect_uri) and returns that URL, which carries ?code=...&state=... (or ?error=...),
    so the test can hand it to our own app's callback.

    The session keeps the provider's session cookie, as a browser would: signing in again with the same
    session skips the login form (and the consent already given), so `login` is then ignored. Use a fresh
    requests.Session per person.
    """
    provider_origin = _origin(authorization_url)
    redirect_uri = parse_qs(urlsplit(authorization_url).query).get("redirect_uri", [None])[0]
    target = redirect_uri.split("?", 1)[0] if redirect_uri else None

    def leaves_provider(url: str) -> bool:
        return _origin(url) != provider_origin or (target is not None and url.split("?", 1)[0] == target)

    response = session.get(authorization_url, allow_redirects=False, timeout=10)
    for _ in range(20):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if leaves_provider(location):
                return location
            response = session.get(location, allow_redirects=False, timeout=10)
            continue
        if response.status_code != 200:
            raise RuntimeError(
                f"the OIDC provider answered {response.url} with {response.status_code}: {_page_text(response.text)}"
            )
        parser = _FormParser()
        parser.feed(response.text)
        if not parser.forms:
            raise RuntimeError(f"no form and no redirect at {response.url}: {_page_text(response.text)}")
        form = parser.forms[0]
        action = urljoin(response.url, form.action) if form.action else response.url
        if leaves_provider(action):
            raise RuntimeError(
                f"the provider posts the response to the client with a form ({action}); use response_mode=query"
            )
        data = _fill(form, login)
        if form.method == "post":
            response = session.post(action, data=data, allow_redirects=False, timeout=10)
        else:
            response = session.get(
                urlunsplit(urlsplit(action)._replace(query=urlencode(data))), allow_redirects=False, timeout=10
            )
    raise RuntimeError(f"sign_in went through 20 pages without being sent back to the client; last: {response.url}")
