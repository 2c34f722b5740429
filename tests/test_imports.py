"""Imports follow the pipeline (issue #17).

    source -> pose -> analysis -> {overlay, report, voice} -> pipeline -> cli

A module may import its own package, any earlier layer, and the shared leaves; never a later
layer. overlay, report and voice are siblings: none imports another (all are fed by analysis,
and only pipeline/cli put them together). `exercises/` is data read by analysis: it counts as
the analysis layer. The shared leaves (`formcheck/__init__.py`, errors.py, atomic.py,
native_log.py) may be imported by any layer and import no layer themselves.

The check reads the source (an AST walk, nothing is imported), so it sees every import:
module level, inside functions, under TYPE_CHECKING, and strings naming a formcheck module
(importlib, the fork server's preload, `python -m`, importlib.resources).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "formcheck"

# top-level name under formcheck/ -> layer
LAYER_OF = {
    "source": "source",
    "pose": "pose",
    "analysis": "analysis",
    "exercises": "analysis",
    "overlay": "overlay",
    "report": "report",
    "voice": "voice",
    "pipeline": "pipeline",
    "batch": "pipeline",  # runs the analyze pipeline per video; driven by the cli
    "cli": "cli",
    "__main__": "cli",
}
RANK = {"source": 0, "pose": 1, "analysis": 2, "overlay": 3, "report": 3, "voice": 3,
        "pipeline": 4, "cli": 5}
# shared leaves: "" is the package itself (formcheck/__init__.py: the version)
LEAVES = {"", "errors", "atomic", "native_log", "safe_paths"}

MODULE_STRING = re.compile(r"formcheck(\.\w+)+")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _exists(dotted: str) -> bool:
    base = ROOT.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        origin = ".".join(base + ([node.module] if node.module else []))
    else:
        origin = node.module or ""
    found = []
    for alias in node.names:
        sub = f"{origin}.{alias.name}"
        found.append(sub if _exists(sub) else origin)
    return found


def imports(path: Path) -> list[tuple[str, int]]:
    """The formcheck modules `path` imports (or names as a module string), with line numbers."""
    module = module_name(path)
    is_package = path.name == "__init__.py"
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += [(name, node.lineno) for name in _resolve(module, is_package, node)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if MODULE_STRING.fullmatch(node.value) and _exists(node.value):
                found.append((node.value, node.lineno))
    return [(name, line) for name, line in found
            if name == "formcheck" or name.startswith("formcheck.")]


def top(dotted: str) -> str:
    """The name under formcheck/ a module belongs to ("" for the package itself)."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else ""


def violation(importer: str, imported: str) -> str | None:
    """Why `importer` may not import `imported`, or None if it may."""
    a, b = top(importer), top(imported)
    if a == b or b in LEAVES:
        return None
    if a in LEAVES:
        return f"{importer} -> {imported} (leaf -> layer {LAYER_OF.get(b, b)})"
    la, lb = LAYER_OF[a], LAYER_OF[b]
    if la == lb:
        return None
    if RANK[lb] < RANK[la]:
        return None
    return f"{importer} -> {imported} (layer {la} {RANK[la]} -> {lb} {RANK[lb]})"


def all_modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_is_classified() -> None:
    known = set(LAYER_OF) | LEAVES
    unknown = sorted({module_name(p) for p in all_modules()
                      if top(module_name(p)) not in known})
    assert not unknown, f"classify as a layer or a shared leaf in tests/test_imports.py: {unknown}"


def test_imports_follow_the_pipeline() -> None:
    found = []
    for path in all_modules():
        importer = module_name(path)
        for imported, line in imports(path):
            why = violation(importer, imported)
            if why:
                found.append(f"{why} [{path.relative_to(ROOT.parent)}:{line}]")
    assert not found, "imports against the flow:\n" + "\n".join(sorted(set(found)))


def test_leaves_import_no_layer() -> None:
    for leaf in LEAVES - {""}:
        assert (ROOT / f"{leaf}.py").is_file(), leaf
    found = [f"formcheck.{leaf} -> {imported}"
             for leaf in sorted(LEAVES)
             for imported, _ in imports(ROOT / (f"{leaf}.py" if leaf else "__init__.py"))
             if top(imported) not in LEAVES]
    assert not found, found


def test_the_walk_sees_nested_and_string_imports() -> None:
    """The check itself: imports inside functions and module strings are found, and the rules
    reject what the issue named."""
    landmarks = dict(imports(ROOT / "pose" / "landmarks.py"))
    assert "formcheck.atomic" in landmarks  # imported inside a function
    preload = dict(imports(ROOT / "pipeline" / "pose_process.py"))
    assert "formcheck.pipeline.pose_preload" in preload  # the fork server's preload string
    native = dict(imports(ROOT / "cli" / "app.py"))
    assert "formcheck.native_log" in native  # `from formcheck import native_log`
    assert violation("formcheck.analysis.exercise", "formcheck.cli.errors")
    assert violation("formcheck.pose.landmarks", "formcheck.report.atomic")
    assert violation("formcheck.analysis.engine", "formcheck.report.schema")
    assert violation("formcheck.overlay.hud", "formcheck.report.schema")
    assert violation("formcheck.report.html", "formcheck.overlay.canvas")
    assert violation("formcheck.atomic", "formcheck.report.schema")
    assert violation("formcheck.pipeline.live", "formcheck.cli.app")
    assert violation("formcheck.report.build", "formcheck.analysis.engine") is None
    assert violation("formcheck.cli.app", "formcheck.pipeline.pose_process") is None
    assert violation("formcheck.analysis.exercise", "formcheck.exercises") is None
    assert violation("formcheck.pose.models.errors", "formcheck.errors") is None
