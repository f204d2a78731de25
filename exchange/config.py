"""Typed settings, read once from `EXCHANGE_*` variables (and the node's `exchange.env` file).

`exchange init` writes `<home>/exchange.env`; variables set in the process environment win over
the file, so an operator can override any setting for one run. Secrets (the key passphrase, keys
passed through the environment) are held here but never shown by `repr` or logged.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

ENV_FILE = "exchange.env"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` lines (blank lines and `#` comments ignored; no shell expansion)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = stripped.partition("=")
        if not sep or not name.strip().startswith("EXCHANGE_"):
            raise SettingsError(f"{path}:{number}: expected EXCHANGE_NAME=value")
        values[name.strip()] = value.strip()
    return values


@dataclass(frozen=True)
class Settings:
    """Everything a node process needs to know, with the defaults of the embedded mode."""

    node_id: str
    home: Path
    database_url: str = field(repr=False)  # may hold a password
    redis_url: str | None = field(default=None, repr=False)
    public_url: str | None = None
    bind: str = "127.0.0.1:8000"
    key_passphrase: str | None = field(default=None, repr=False)
    key_passphrase_file: str | None = None
    signing_key: str | None = field(default=None, repr=False)
    encryption_keys: str | None = field(default=None, repr=False)
    storage_keys: str | None = field(default=None, repr=False)
    queue_name: str = "exchange"
    max_request_bytes: int = 16 * 1024 * 1024
    max_envelope_bytes: int = 2 * 1024 * 1024
    max_batch: int = 50
    retry_base: timedelta = timedelta(seconds=1)
    retry_max: timedelta = timedelta(hours=1)
    give_up_after: timedelta = timedelta(days=3)
    envelope_ttl: timedelta = timedelta(days=14)
    sweep_interval: float = 1.0
    probe_interval: float = 2.0
    heartbeat_interval: float = 60.0
    lease: timedelta = timedelta(seconds=60)
    requeue_after: timedelta = timedelta(seconds=30)
    http_timeout: float = 15.0
    connect_timeout: float = 3.0
    # Longest a whole answer may take; shorter than the lease, so a slow post cannot outlive it.
    request_deadline: float = 30.0
    ca_bundle: str | None = None
    dispatcher_threads: int = 4
    log_level: str = "INFO"
    # People: sessions, local accounts, the national identity provider (OpenID Connect).
    session_idle: timedelta = timedelta(minutes=30)
    session_max: timedelta = timedelta(hours=12)
    local_login: bool | None = None  # None: allowed on embedded nodes only
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = field(default=None, repr=False)
    oidc_client_secret_file: str | None = None
    oidc_name: str = "National identity provider"
    login_attempts_per_minute: int = 10
    # How many reverse proxies in front of the node to believe about the client's address and
    # scheme (X-Forwarded-For/-Proto). 0: none (the node is reached directly).
    trusted_proxies: int = 0

    @property
    def embedded(self) -> bool:
        """No Redis configured: jobs run in-process (demo, first look, a laptop)."""
        return not self.redis_url

    @property
    def local_login_allowed(self) -> bool:
        """Passwords kept by the node: the embedded default; production uses the identity provider."""
        return self.embedded if self.local_login is None else self.local_login

    def oidc_secret(self) -> str | None:
        if self.oidc_client_secret:
            return self.oidc_client_secret
        if self.oidc_client_secret_file:
            try:
                return Path(self.oidc_client_secret_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(f"cannot read EXCHANGE_OIDC_CLIENT_SECRET_FILE: {exc.strerror}") from exc
        return None

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    def passphrase(self) -> str | None:
        """The key passphrase, read from its file only when keys are needed (monitoring needs none)."""
        if self.key_passphrase:
            return self.key_passphrase
        if self.key_passphrase_file:
            try:
                return Path(self.key_passphrase_file).read_text(encoding="utf-8").rstrip("\n")
            except OSError as exc:
                raise SettingsError(f"cannot read EXCHANGE_KEY_PASSPHRASE_FILE: {exc.strerror}") from exc
        return None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from the environment, then `<EXCHANGE_HOME>/exchange.env`, then defaults."""
        env = dict(os.environ if environ is None else environ)
        home = Path(env.get("EXCHANGE_HOME") or overrides.get("home") or ".").expanduser().resolve()
        merged = {**read_env_file(home / ENV_FILE), **env}
        _warn_about_unknown(merged)
        values: dict[str, Any] = {"home": home}
        for spec in fields(cls):
            if spec.name == "home":
                continue
            raw = merged.get("EXCHANGE_" + spec.name.upper())
            if raw is not None and raw != "":
                values[spec.name] = _convert(spec.name, raw, spec.type)
        if "node_id" not in values and "node_id" not in overrides:
            raise SettingsError("EXCHANGE_NODE_ID is not set (run `exchange init` or set it in the environment)")
        values.setdefault("database_url", f"sqlite:///{home / 'exchange.db'}")
        values.update(overrides)
        settings = cls(**values)
        settings.warn_if_insecure()
        return settings

    def warn_if_insecure(self) -> None:
        """Insecure modes are allowed for loopback demos and tests, but never silently."""
        if self.public_url and self.public_url.startswith("http://") and not _is_loopback(self.public_url):
            warnings.warn(
                f"EXCHANGE_PUBLIC_URL {self.public_url} is plain HTTP on a non-loopback address: "
                "put the node behind TLS before it carries real cases",
                stacklevel=2,
            )


# Variables read elsewhere (the CLI, gunicorn's configuration, the tests), not by Settings.
OTHER_VARIABLES = frozenset(
    {
        "EXCHANGE_HOME",
        "EXCHANGE_WEB_WORKERS",
        "EXCHANGE_WEB_THREADS",
        "EXCHANGE_VECTORS_DIR",
        "EXCHANGE_TEST_DATABASE_URL",
        "EXCHANGE_TEST_REDIS_URL",
    }
)


def _warn_about_unknown(variables: Mapping[str, str]) -> None:
    """A misspelled setting silently keeping its default is how outages start: say so."""
    known = {"EXCHANGE_" + spec.name.upper() for spec in fields(Settings)} | OTHER_VARIABLES
    unknown = sorted(name for name in variables if name.startswith("EXCHANGE_") and name not in known)
    if unknown:
        warnings.warn(f"unknown settings ignored: {', '.join(unknown)}", stacklevel=3)


def _is_loopback(url: str) -> bool:
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return host in ("127.0.0.1", "localhost", "[::1]")


def _convert(name: str, raw: str, kind: Any) -> Any:
    kind = str(kind)
    try:
        if kind == "timedelta":
            return timedelta(seconds=float(raw))
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind in ("bool", "bool | None"):
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes")
    except ValueError as exc:
        raise SettingsError(f"EXCHANGE_{name.upper()} has an invalid value") from exc
    return raw
