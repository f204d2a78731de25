"""The layering rules of STYLE.md, checked on the source: they hold because a test says so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _sources(*packages: str) -> list[Path]:
    return [path for package in packages for path in sorted((ROOT / package).rglob("*.py"))]


@pytest.mark.parametrize("path", _sources("crypto", "protocols", "exchange"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_crypto_nacl_imports_nacl(path):
    if path == ROOT / "crypto" / "_nacl.py":
        return
    assert not any(name == "nacl" or name.startswith("nacl.") for name in _imports(path))


@pytest.mark.parametrize("path", _sources("crypto", "protocols"), ids=lambda p: str(p.relative_to(ROOT)))
def test_crypto_and_protocols_know_nothing_of_the_service(path):
    forbidden = ("flask", "sqlalchemy", "exchange", "rq", "redis", "requests")
    assert not any(name.split(".")[0] in forbidden for name in _imports(path))


@pytest.mark.parametrize("path", _sources("crypto"), ids=lambda p: str(p.relative_to(ROOT)))
def test_crypto_does_not_depend_on_protocols(path):
    assert not any(name.split(".")[0] == "protocols" for name in _imports(path))
