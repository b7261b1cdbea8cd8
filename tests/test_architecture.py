"""The house's rules, read from the code's own imports (``docs/architecture.md``).

Every ``import`` counts, also one inside a function: an import hidden in a function still ties the
two modules together, and is how the earlier circles were hidden.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rating", "kiosk", "hardware", "sync", "central")

# What each room may never import (a prefix of a dotted module name). The shared domain imports
# neither end; the central service installs without the kiosk's packages, Kivy or pyserial; the
# kiosk's logic never imports Kivy (importing some Kivy modules opens a window) and never the service.
NEVER = {
    "rating": ("kiosk", "hardware", "sync", "central", "kivy", "serial", "requests", "django"),
    "central": ("kiosk", "hardware", "sync", "kivy", "serial"),
    "kiosk": ("hardware", "sync", "central", "kivy", "django", "serial", "requests"),
    "kiosk.ui": ("hardware", "sync", "central", "django", "serial", "requests"),
    "hardware": ("sync", "central", "kivy", "django", "kiosk.ui"),
    "sync": ("hardware", "central", "kivy", "serial", "django", "kiosk.ui"),
}


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted module name of a source file under ``root``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    """Every Python file of the application's packages (migrations are Django's own)."""
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts)


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """The absolute names of every module ``path`` imports, at any depth of the file."""
    me = module_name(path, root)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # ``from pkg import module`` imports the module, not only the package.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def room_of(module: str) -> str:
    """The room whose rules a module follows: the longest key of NEVER that prefixes it."""
    rooms = [r for r in NEVER if module == r or module.startswith(r + ".")]
    return max(rooms, key=len)


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def graph() -> dict[str, set[str]]:
    """Module -> the project's own modules it imports."""
    files = {module_name(p): p for p in source_files()}
    return {m: {i for i in imports_of(p) if i in files and i != m} for m, p in files.items()}


def test_no_room_imports_what_its_rules_forbid():
    offenders = []
    for path in source_files():
        me = module_name(path)
        for name in sorted(imports_of(path)):
            for banned in NEVER[room_of(me)]:
                if _under(name, banned) and not _under(name, room_of(me)):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_shared_domain_is_its_own_package_that_both_ends_import():
    g = graph()
    central = {i for m, deps in g.items() if m.startswith("central") for i in deps}
    kiosk = {i for m, deps in g.items() if m.startswith("kiosk") for i in deps}
    assert any(i.startswith("rating.") for i in central)
    assert any(i.startswith("rating.") for i in kiosk)


def _circles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_two_modules_import_each_other_even_through_an_import_inside_a_function():
    # An import a module writes of its own package counts too: ``from rating.report import render`` in
    # rating/report/files.py, whose package imports files, was such a circle.
    assert _circles(graph()) == []


def test_the_circle_check_sees_a_circle_hidden_in_a_function():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("source, expected", [
    ("from . import x", {"rating.report", "rating.report.x"}),
    ("from ..scales import SCALES", {"rating.scales", "rating.scales.SCALES"}),
    ("def f():\n    import kivy.app\n", {"kivy.app"}),
])
def test_imports_are_read_relative_to_the_file_and_inside_functions(tmp_path, source, expected):
    pkg = tmp_path / "rating" / "report"
    pkg.mkdir(parents=True)
    (pkg / "m.py").write_text(source, encoding="utf-8")
    assert imports_of(pkg / "m.py", tmp_path) == expected
