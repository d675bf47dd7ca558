"""The area stage after the split of harmonise.py: same table, data flowing one way.

``AREA_TABLE_SHA256`` is the digest of the local build's area table computed with the
code of main at be195d1 (before ``areas/harmonise.py`` was split into one module per
level and ``sources/download.py`` into transfer/odata/pdok/mirror/years). Recompute it
only for an intended change of the area table, with ``area_table_digest`` below.
Recomputed for issue 18 (buurten offline, wijk/buurt margins from KWB 2024/2022 and the
margin model, ``figure_sources`` and ``*_se`` columns).
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import betrokken
from helpers_data import local_area_tables

AREA_TABLE_SHA256 = "10dcf96d42fb28658cd0da18c72ddc90a17001c5fa2a68ab287ab6fa78495c54"
AREA_TABLE_ROWS = 26212
PACKAGES = ("sources", "areas")


def area_table_digest(areas) -> str:
    csv = areas.to_csv(index=False, float_format="%.12g")
    return hashlib.sha256(csv.encode()).hexdigest()


def test_area_table_is_identical_to_the_one_before_the_split(data_dir: Path):
    areas = local_area_tables(data_dir).areas
    assert len(areas) == AREA_TABLE_ROWS
    assert area_table_digest(areas) == AREA_TABLE_SHA256


def _imports() -> dict[str, set[str]]:
    """Module -> the betrokken.sources/areas modules it imports (anywhere in the file)."""
    root = Path(betrokken.__file__).parent
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (root / package).glob("*.py"):
            name = f"betrokken.{package}.{path.stem}"
            targets = set()
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                for target in names:
                    if any(target.startswith(f"betrokken.{p}.") for p in PACKAGES) and (
                            root / target.split(".", 1)[1].replace(".", "/")).with_suffix(
                                ".py").is_file():
                        targets.add(target)
            graph[name] = targets - {name}
    return graph


def test_no_import_cycles_in_sources_and_areas():
    graph = _imports()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module, [])


def test_module_names_are_unique_across_sources_and_areas():
    stems = [m.rsplit(".", 1)[1] for m in _imports() if not m.endswith("__init__")]
    assert sorted(s for s in set(stems) if stems.count(s) > 1) == []
