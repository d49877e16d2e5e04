"""The shape the package keeps (docs/architecture.md): layers import only the layers to
their right, and tests/ mirrors the packages without a test importing another test."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "src" / "csincentive"
TESTS = ROOT / "tests"
# cli → reports → month → {sources, rules, formula, ledger, statutory} → core: what each may
# import.
MAY_IMPORT = {
    "core": set(),
    "formula": {"core"},
    "rules": {"core", "formula"},
    "sources": {"core"},
    "ledger": {"core"},
    "statutory": {"core"},
    "month": {"core", "formula", "rules", "sources", "ledger", "statutory"},
    "reports": {"core", "formula", "rules", "sources", "ledger", "statutory", "month"},
    "cli": {"core", "formula", "rules", "sources", "ledger", "statutory", "month", "reports"},
}


def _imported_layers(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        found |= {n.split(".")[1] for n in names if n.startswith("csincentive.") and "." in n}
    return found


def test_every_layer_imports_only_the_layers_to_its_right():
    wrong = {}
    for layer, allowed in MAY_IMPORT.items():
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            extra = _imported_layers(path) - allowed - {layer}
            if extra:
                wrong[str(path.relative_to(PACKAGE))] = sorted(extra)
    assert wrong == {}


def test_every_package_is_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(MAY_IMPORT)


def test_tests_mirror_the_packages():
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and any(p.glob("test_*.py"))}
    # schemes: the golden months of the shipped rules; project: README and layout.
    assert folders - {"schemes", "project"} <= set(MAY_IMPORT)
    assert not list(TESTS.glob("test_*.py")), "a test module belongs in its package's folder"


def test_no_test_imports_another_test():
    offenders = [
        str(path.relative_to(TESTS))
        for path in sorted(TESTS.rglob("test_*.py"))
        if any(layer.startswith("test_") for layer in _test_imports(path))
    ]
    assert offenders == []


def _test_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[-1] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module.split(".")[-1])
    return names
