"""Where the published test vectors live: `EXCHANGE_VECTORS_DIR`, else `../shared/vectors` beside the checkout.

A user's fresh clone has no `../shared`; conformance tests then skip and say why. CI always has it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def vectors_dir() -> Path | None:
    configured = os.environ.get("EXCHANGE_VECTORS_DIR")
    candidate = Path(configured) if configured else ROOT.parent / "shared" / "vectors"
    return candidate if candidate.is_dir() else None


def require_vectors(*parts: str) -> Path:
    """The path of a vector file or folder, or skip the test with the reason."""
    base = vectors_dir()
    if base is None:
        pytest.skip("published test vectors not found: set EXCHANGE_VECTORS_DIR or place them at ../shared/vectors")
    path = base.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"vector file {path} is missing")
    return path


def load_wycheproof(name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(group, test) pairs of a Wycheproof file, for parametrizing."""
    data = json.loads(require_vectors("wycheproof", name).read_text())
    return [(group, test) for group in data["testGroups"] for test in group["tests"]]


def wycheproof_params(name: str) -> list[Any]:
    """Parametrize values for a Wycheproof file: one skipped case (with the reason) when it is absent."""
    base = vectors_dir()
    if base is None or not (base / "wycheproof" / name).exists():
        reason = f"Wycheproof file {name} not found: set EXCHANGE_VECTORS_DIR or place vectors at ../shared/vectors"
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=reason))]
    cases = load_wycheproof(name)
    return [pytest.param(group, case, id=f"tc{case['tcId']}") for group, case in cases]
