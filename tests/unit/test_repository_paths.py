"""The repository stands alone: no code, test, benchmark or Makefile reads above its root.

A clone with nothing beside it must pass `make test` and run `make demo`, so every fixture lives
in the repository (tests/fixtures/, simulators/shopify/data/). This scans each text file under
the checked folders for three kinds of escape: a path named after a folder outside (the
sibling the fixtures were first copied from), a `pathlib` / `os.path` expression built from
`__file__` that resolves above the root (too many parents, or a parent of the root), and a
relative string literal that climbs out of the file's folder. The examples of escapes below are
assembled from parts, so this file itself names no path outside the root.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("app", "simulators", "tests", "bench", "demo", "web")
CHECKED_FILES = ("Makefile",)
SKIPPED_PARTS = {"__pycache__", "node_modules", "dist", ".pytest_cache"}
BINARY_SUFFIXES = {".gz", ".png", ".jpg", ".ico", ".woff", ".woff2", ".sqlite", ".pyc"}
# The sibling folder's name, the parent step and the machine's work folder are assembled, so
# this file itself names no path outside the root.
SIBLING = "".join(("sha", "red"))
UP = "." * 2
WORK = "/" + "work"
NAMED_OUTSIDE = re.compile(
    rf"\.\./{SIBLING}|{SIBLING}/fixtures|{WORK}/{SIBLING}|[\"']{SIBLING}[\"']"
)
CLIMBING_LITERAL = re.compile(r"(?:^|[\s\"'=:(])((?:\.\./)+[\w.-]*|\.\.(?=[\s\"')]|$))")
ROOT_NAME = re.compile(r"root", re.IGNORECASE)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


class _PathEvaluator(ast.NodeVisitor):
    """Evaluates the path expressions a module builds from `__file__`, and flags escapes."""

    def __init__(self, source_path: str, root: str) -> None:
        self.file = source_path
        self.root = root
        self.bound: dict[str, str] = {}
        self.offences: list[str] = []

    def value(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.file if node.id == "__file__" else self.bound.get(node.id)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self.value(node.value)
            return None if base is None else os.path.dirname(base)
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "parents"
            and isinstance(node.slice, ast.Constant)
        ):
            base = self.value(node.value.value)
            if base is None or not isinstance(node.slice.value, int):
                return None
            for _ in range(node.slice.value + 1):
                base = os.path.dirname(base)
            return base
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            base = self.value(node.left)
            if base is not None and isinstance(node.right, ast.Constant):
                return os.path.normpath(os.path.join(base, str(node.right.value)))
        return None

    def _call(self, node: ast.Call) -> str | None:
        name = ast.unparse(node.func)
        if name in {"Path", "pathlib.Path", "PurePath"} and len(node.args) == 1:
            return self.value(node.args[0])
        if name in {"os.path.dirname"} and len(node.args) == 1:
            base = self.value(node.args[0])
            return None if base is None else os.path.dirname(base)
        if name in {"os.path.join"} and node.args:
            base = self.value(node.args[0])
            parts = [a.value for a in node.args[1:] if isinstance(a, ast.Constant)]
            if base is None or len(parts) != len(node.args) - 1:
                return None
            return os.path.normpath(os.path.join(base, *map(str, parts)))
        if isinstance(node.func, ast.Attribute) and node.func.attr in {"resolve", "absolute"}:
            return self.value(node.func.value)
        return None

    def check(self, node: ast.expr) -> None:
        resolved = self.value(node)
        if resolved is not None and not _inside(resolved, self.root):
            self.offences.append(f"line {node.lineno}: {ast.unparse(node)} -> {resolved}")
        elif isinstance(node, ast.Attribute) and node.attr == "parent":
            base = ast.unparse(node.value)
            if ROOT_NAME.search(base) and self.value(node.value) is None:
                self.offences.append(f"line {node.lineno}: {ast.unparse(node)} (above a root)")

    def visit_Assign(self, node: ast.Assign) -> None:
        resolved = self.value(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name) and resolved is not None:
                self.bound[target.id] = resolved
        self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.expr):
            self.check(node)
        super().generic_visit(node)


def python_offences(source: str, source_path: str, root: str) -> list[str]:
    """Path expressions in a Python module that resolve above `root`."""
    evaluator = _PathEvaluator(source_path, root)
    evaluator.visit(ast.parse(source))
    return evaluator.offences


def text_offences(text: str, source_path: str, root: str) -> list[str]:
    """Lines naming a folder outside, or relative literals climbing above `root`."""
    here = os.path.dirname(source_path)
    offences = []
    for number, line in enumerate(text.splitlines(), start=1):
        if NAMED_OUTSIDE.search(line):
            offences.append(f"line {number}: names a folder outside: {line.strip()}")
        for match in CLIMBING_LITERAL.finditer(line):
            target = os.path.normpath(os.path.join(here, match.group(1)))
            if not _inside(target, root):
                offences.append(f"line {number}: {match.group(1)!r} climbs to {target}")
    return offences


def file_offences(path: Path, root: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = text_offences(text, str(path), str(root))
    if path.suffix == ".py":
        found += python_offences(text, str(path), str(root))
    return found


def checked_files(root: Path) -> list[Path]:
    files = [root / name for name in CHECKED_FILES if (root / name).is_file()]
    for folder in CHECKED:
        for path in sorted((root / folder).rglob("*")):
            skipped = SKIPPED_PARTS & set(path.parts) or path.suffix in BINARY_SUFFIXES
            if path.is_file() and not skipped:
                files.append(path)
    return files


def test_no_file_refers_to_a_path_above_the_repository_root() -> None:
    offences = {  # this file too: its examples of escapes are assembled, never written out
        str(path.relative_to(ROOT)): found
        for path in checked_files(ROOT)
        if (found := file_offences(path, ROOT))
    }
    assert offences == {}


def test_the_checked_files_include_the_readers_of_fixtures() -> None:
    names = {str(path.relative_to(ROOT)) for path in checked_files(ROOT)}
    assert {"Makefile", "tests/support.py", "simulators/shopify/graphql/schema.py"} <= names


REPO = "/repo"


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("tests/x.py", 'ROOT = Path(__file__).resolve().parent.parent\nX = ROOT.parent / "a"'),
        ("tests/unit/x.py", f'F = Path(__file__).resolve().parents[3].parent / "{SIBLING}"'),
        ("tests/unit/x.py", "F = Path(__file__).resolve().parents[3]"),
        ("tests/x.py", "F = Path(__file__).resolve().parent.parent.parent"),
        ("tests/x.py", f'F = Path(__file__).resolve().parents[1] / "{UP}" / "x"'),
        ("tests/x.py", f'F = os.path.join(os.path.dirname(__file__), "{UP}", "{UP}")'),
        ("tests/x.py", "def f():\n    return _repo_root().parent"),
        ("tests/x.py", "root = next(iter([]))\nF = root.parent"),
        ("tests/unit/x.py", f'F = "{UP}/{UP}/{UP}/elsewhere/data.json"'),
        ("tests/x.py", f'F = "{WORK}/{SIBLING}/fixtures/a.json"'),
        ("Makefile", f"test:\n\tcp {UP}/{SIBLING}/x ."),
        ("Makefile", f"demo:\n\tcd {UP} && ls"),
    ],
)
def test_an_escape_is_found(relative: str, source: str) -> None:
    source_path = str(PurePosixPath(REPO) / relative)
    found = text_offences(source, source_path, REPO)
    if relative.endswith(".py"):
        found += python_offences(source, source_path, REPO)
    assert found, source


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("tests/support.py", 'ROOT = Path(__file__).resolve().parent.parent / "tests"'),
        ("bench/ingest/run.py", "ROOT = Path(__file__).resolve().parents[2]"),
        ("tests/sim/shopify/t.py", f'probe = {{"payload": "{UP}/{UP}/secrets"}}'),
        ("tests/sim/shopify/t.py", f'client.get("/cdn/{UP}/app.py")'),
        ("app/__init__.py", 'M = str(Path(__file__).resolve().parent.parent / "migrations")'),
    ],
)
def test_a_path_inside_is_not_an_escape(relative: str, source: str) -> None:
    source_path = str(PurePosixPath(REPO) / relative)
    found = text_offences(source, source_path, REPO) + python_offences(source, source_path, REPO)
    assert found == []
