"""The publiccode.yml reference validator, as the catalog's tests run it.

The validator is ../shared/tools/publiccode-parser/publiccode-parser beside
the repository, or PUBLICCODE_PARSER. Without it the tests that run it are
skipped, unless REQUIRE_PUBLICCODE_PARSER is set (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PARSER = REPO.parent / "shared/tools/publiccode-parser/publiccode-parser"


def parser_binary() -> Path | None:
    path = Path(os.environ.get("PUBLICCODE_PARSER") or DEFAULT_PARSER)
    if path.exists():
        return path
    message = (
        f"The publiccode.yml reference validator is not at {path}. Build or copy "
        "Developers Italia's publiccode-parser (github.com/italia/publiccode-parser-go, "
        "v5.4.3) there, or set PUBLICCODE_PARSER to its path."
    )
    if os.environ.get("REQUIRE_PUBLICCODE_PARSER"):
        pytest.fail(message)
    pytest.skip(message)
    return None


def validator_errors(binary: Path, text: str, tmp_path: Path) -> list[dict]:
    """The validator's errors (warnings left out) on a file with `text`."""
    path = tmp_path / "publiccode.yml"
    path.write_text(text)
    result = subprocess.run(
        [str(binary), "-no-external-checks", "-json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings = json.loads(result.stdout or "null") or []
    return [item for item in findings if item["type"] == "error"]


@pytest.fixture
def validator():
    """judge(text, tmp_path): the reference validator's errors on `text`."""
    binary = parser_binary()

    def judge(text: str, tmp_path: Path) -> list[dict]:
        return validator_errors(binary, text, tmp_path)

    return judge
