"""Cheap static checks of the layering rules (CONVENTIONS.md) over the source tree's AST."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from governance.audit.event_types import AuditAction

ROOT = Path(__file__).resolve().parents[2]
PROJECT_ROOTS = ("governance", "lifecycle", "benchmarks")
SKIP_PARTS = {"migrations", "__pycache__", "static"}
RECORD_APPS = ("audit", "accounts", "inventory", "model_cards", "bias_reviews", "evidence", "oversight")
# Apps the ledger must never depend on (accounts is identity: actors may name users and tokens).
DOMAIN_APPS = (
    "governance.inventory",
    "governance.model_cards",
    "governance.bias_reviews",
    "governance.evidence",
    "governance.oversight",
    "governance.reports",
    "governance.integrations",
    "governance.web",
    "governance.embedded",
    "governance.api",
    "lifecycle",
)
EDGE_DIRS = {"api", "views", "templatetags", "management"}
EDGE_STEMS = {"views", "forms", "urls", "admin"}
MODEL_SIGNALS = {"pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed", "pre_init", "post_init"}


@cache
def source_files() -> tuple[Path, ...]:
    files = [
        path
        for top in PROJECT_ROOTS
        for path in (ROOT / top).rglob("*.py")
        if not SKIP_PARTS.intersection(path.relative_to(ROOT).parts)
    ]
    return tuple(sorted(files))


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_edge(path: Path) -> bool:
    """Views, forms, urls, admin, APIs, template tags and commands are edges: they may use the workflow."""
    parts = set(path.relative_to(ROOT).parts[:-1])
    stem = path.stem
    return bool(parts & EDGE_DIRS) or stem in EDGE_STEMS or stem.endswith(("_views", "_forms", "_urls"))


def imported_modules(module: ast.Module, path: Path) -> list[tuple[int, str]]:
    """Every module imported anywhere in the file (inside functions and TYPE_CHECKING blocks too)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            found.append((node.lineno, base))
    return found


def test_the_scan_sees_the_tree():
    names = {rel(p) for p in source_files()}
    assert "lifecycle/transitions.py" in names and "governance/audit/ledger.py" in names
    assert not any(n.startswith("tests/") or "/migrations/" in n for n in names)


def test_only_transitions_py_assigns_stage():
    """Nothing but lifecycle/transitions.py writes `.stage` (assignment, setattr, or queryset update)."""
    offenders = []
    for path in source_files():
        if rel(path) == "lifecycle/transitions.py":
            continue
        for node in ast.walk(tree(path)):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                elements = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
                if any(isinstance(e, ast.Attribute) and e.attr == "stage" for e in elements):
                    offenders.append(f"{rel(path)}:{node.lineno} assigns .stage")
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
                    name = node.args[1]
                    if isinstance(name, ast.Constant) and name.value == "stage":
                        offenders.append(f"{rel(path)}:{node.lineno} setattr(…, 'stage')")
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr == "update"
                    and any(k.arg == "stage" for k in node.keywords)
                ):
                    offenders.append(f"{rel(path)}:{node.lineno} .update(stage=…)")
    assert offenders == [], "stage is written only by lifecycle.transitions.transition():\n" + "\n".join(
        offenders
    )


@pytest.mark.parametrize("app", RECORD_APPS)
def test_record_apps_import_only_lifecycle_stages(app):
    offenders = []
    for path in source_files():
        if not rel(path).startswith(f"governance/{app}/") or is_edge(path):
            continue
        for line, name in imported_modules(tree(path), path):
            if (name == "lifecycle" or name.startswith("lifecycle.")) and not (
                name in {"lifecycle", "lifecycle.stages"} or name.startswith("lifecycle.stages.")
            ):
                offenders.append(f"{rel(path)}:{line} imports {name}")
    assert offenders == [], f"governance/{app} may import only lifecycle.stages:\n" + "\n".join(offenders)


def test_the_audit_ledger_imports_no_domain_app():
    offenders = []
    for path in source_files():
        if not rel(path).startswith("governance/audit/") or is_edge(path):
            continue
        for line, name in imported_modules(tree(path), path):
            if any(name == app or name.startswith(app + ".") for app in DOMAIN_APPS):
                offenders.append(f"{rel(path)}:{line} imports {name}")
    assert offenders == [], "governance/audit must not depend on domain apps:\n" + "\n".join(offenders)


def test_no_signal_receivers_in_governance_or_lifecycle():
    """Audit comes from services, never from signals (they miss writes made by tasks, commands, the shell)."""
    offenders = []
    for path in source_files():
        if not rel(path).startswith(("governance/", "lifecycle/")):
            continue
        for node in ast.walk(tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                    if name == "receiver":
                        offenders.append(f"{rel(path)}:{node.lineno} @receiver on {node.name}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "connect"
            ):
                signal = node.func.value
                name = signal.attr if isinstance(signal, ast.Attribute) else getattr(signal, "id", "")
                if name in MODEL_SIGNALS:
                    offenders.append(f"{rel(path)}:{node.lineno} connects to {name}")
    assert offenders == [], "\n".join(offenders)


def test_every_audit_action_is_a_namespaced_area_verb():
    pattern = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
    bad = [member.value for member in AuditAction if not pattern.match(member.value)]
    assert bad == []
    assert len(set(AuditAction.values)) == len(AuditAction.values)
    assert all(str(member.label).strip() for member in AuditAction)
