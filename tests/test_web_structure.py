"""The web package has no import cycles: routers use ``deps``/``errors``, never ``app``."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[1] / "src" / "betrokken" / "web"


def web_import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in WEB.glob("*.py"):
        module = f"betrokken.web.{path.stem}"
        graph.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if name.startswith("betrokken.web.") and (WEB / f"{parts[2]}.py").exists():
                    target = ".".join(parts[:3])
                    if target != module:
                        graph[module].add(target)
    return graph


def test_web_modules_import_without_cycles():
    try:
        tuple(graphlib.TopologicalSorter(web_import_graph()).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


@pytest.mark.parametrize("router", ["area", "compare", "own_area", "start", "downloads"])
def test_routers_do_not_import_the_app(router):
    assert "betrokken.web.app" not in web_import_graph()[f"betrokken.web.{router}"]
