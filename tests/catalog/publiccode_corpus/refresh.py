"""Record the reference validator's verdict on every file of the corpus.

    PUBLICCODE_PARSER=/path/to/publiccode-parser python tests/catalog/publiccode_corpus/refresh.py

Runs `publiccode-parser -no-external-checks -json FILE` on each file under
real/ and handmade/ and writes expectations.json beside this script: for each
file, whether the validator accepts it ("valid") and the sorted set of field
paths of its errors ("errors"; warnings are left out). The parser defaults to
../shared/tools/publiccode-parser/publiccode-parser next to the repository.
Commit the result; tests/catalog/test_publiccode_corpus.py compares the
importer with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DEFAULT_PARSER = (
    REPO.parent / "shared" / "tools" / "publiccode-parser" / "publiccode-parser"
)


def parser_path() -> Path:
    return Path(os.environ.get("PUBLICCODE_PARSER") or DEFAULT_PARSER)


def verdict(parser: Path, path: Path) -> dict:
    result = subprocess.run(
        [str(parser), "-no-external-checks", "-json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings = json.loads(result.stdout or "null") or []
    errors = sorted({item["key"] for item in findings if item["type"] == "error"})
    return {"valid": not errors, "errors": errors}


def corpus_files() -> list[Path]:
    return sorted((HERE / "real").glob("*.yml")) + sorted(
        (HERE / "handmade").glob("*.yml")
    )


def main() -> int:
    parser = parser_path()
    if not parser.exists():
        print(f"No validator at {parser}; set PUBLICCODE_PARSER.", file=sys.stderr)
        return 2
    expectations = {
        str(path.relative_to(HERE)): verdict(parser, path) for path in corpus_files()
    }
    (HERE / "expectations.json").write_text(
        json.dumps(expectations, indent=1, sort_keys=True) + "\n"
    )
    valid = sum(item["valid"] for item in expectations.values())
    print(
        f"{len(expectations)} files: {valid} valid, {len(expectations) - valid} invalid"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
