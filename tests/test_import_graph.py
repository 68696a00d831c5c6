"""The import graph points only downward (pyproject.toml, [tool.importlinter]):

    config > grants | laksa (hosted apps) > catalog | billing > tenants (kernel) > core

catalog and billing do not import each other either way; they and the hosted
apps plug into the kernel through tenants/hosted.py and tenants/hooks.py.
"""

from __future__ import annotations

from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_no_upward_import_and_no_cycle_between_layers(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_the_graph_includes_function_local_imports(monkeypatch):
    """An import hidden inside a function counts like any other: the contract
    would catch `from catalog... import` written inside a kernel function."""
    monkeypatch.syspath_prepend(str(ROOT))
    graph = grimp.build_graph("tenants", cache_dir=None)
    details = graph.get_import_details(
        importer="tenants.context_processors", imported="tenants.selectors"
    )
    # `_desk_count` imports it inside the function body.
    assert details and all(d["line_contents"].startswith("from") for d in details)
    source = (ROOT / "tenants" / "context_processors.py").read_text().splitlines()
    assert source[details[0]["line_number"] - 1].startswith("    ")


def test_the_kernel_names_no_app_above_it():
    """Not even in strings (URLconf includes, model references): the kernel
    learns about catalog, billing and hosted apps only through registration."""
    offenders = []
    for path in sorted((ROOT / "tenants").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            for name in ("catalog.", "billing.", "grants.", "laksa."):
                if (
                    f'"{name}' in code
                    or f"'{name}" in code
                    or f"import {name[:-1]}" in code
                    or f"from {name}" in code
                ):
                    offenders.append(
                        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                    )
    assert offenders == []
