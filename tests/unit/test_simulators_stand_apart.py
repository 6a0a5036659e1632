"""The simulators stand in for Shopify and Oxylabs: they never import the app they serve.

The demo launcher, which does use the app, lives in demo/ for that reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_no_simulator_module_imports_the_app() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path.read_text()) if name.split(".")[0] == "app"
        )
        for path in sorted((ROOT / "simulators").rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_an_app_import_is_found_even_inside_a_function() -> None:
    assert "app.config" in imported_modules("def f():\n    from app.config import Settings\n")
