"""The house's structure, checked: layers (import-linter contracts in pyproject.toml),
imports at module top, no private names across modules, SQL only in store/."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "betrokken"
PYPROJECT = ROOT / "pyproject.toml"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_import_contracts_hold(monkeypatch):
    """Layers, the DuckDB boundary and the presentation boundary (pyproject.toml)."""
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def test_a_broken_layer_is_reported(tmp_path, monkeypatch):
    """The check can fail: web/ imports store/, so store/ above web/ breaks the contract."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "betrokken"\n\n'
        '[[tool.importlinter.contracts]]\nname = "upside down"\ntype = "layers"\n'
        'layers = ["betrokken.store", "betrokken.web"]\n'
    )
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(config), no_cache=True, no_logo=True) == 1


def _function_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and (sub.module or "").startswith("betrokken"):
                    found.append((sub.lineno, sub.module))
                elif isinstance(sub, ast.Import):
                    found += [(sub.lineno, a.name) for a in sub.names
                              if a.name.startswith("betrokken")]
    return found


def test_imports_of_the_package_are_at_module_top():
    """A hidden import hides a layer leak; only cli.py imports lazily (start-up speed)."""
    hidden = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules() if path.name != "cli.py"
        for line, module in _function_imports(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not hidden, "\n".join(hidden)


PRIVATE_IMPORTS = {
    # issue 21 (edges): one upload reader and one postcode rule replace these
    ("betrokken.areas.reach", "betrokken.areas.postcodes._JOIN_PC6_RE"),
    ("betrokken.areas.reach", "betrokken.areas.postcodes._SEPARATORS_RE"),
    ("betrokken.web.reach", "betrokken.web.composition._xlsx_text"),
    # issue 18 (est-model): the area-model fit and its coverage study share public names
    ("betrokken.fit_areas", "betrokken.model.fit._fill"),
    ("betrokken.model.area_models", "betrokken.model.artifact._jsonable"),
    ("betrokken.reports.coverage", "betrokken.model.area_models._design"),
    ("betrokken.reports.coverage", "betrokken.model.area_models._fit_binary"),
    ("betrokken.reports.coverage", "betrokken.model.area_models._onehot"),
}
"""Private names still imported across modules, each removed by the named branch."""


def test_no_module_imports_another_modules_private_names():
    found = set()
    for path in _modules():
        own = _name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.module == own:
                continue
            if (node.module or "").startswith("betrokken"):
                found |= {(own, f"{node.module}.{a.name}") for a in node.names
                          if a.name.startswith("_")}
    assert found <= PRIVATE_IMPORTS, sorted(found - PRIVATE_IMPORTS)


SQL_OUTSIDE_STORE = {
    # the writers of the build's own tables, called by build.py with its connection
    "themes/store.py",
    # the web app sets its connection's thread count (the connection itself is store's)
    "web/app.py",
    # est-model (issue 18) and est-margins move these reads into store/
    "areas/changes.py",
    "reports/validation.py",
}
"""Modules that still run SQL outside store/, each with its reason."""

_EXECUTE = re.compile(r"\.(execute|sql)\(")


def test_sql_lives_in_store():
    """The read model and the writers are in store/; nobody else queries the tables."""
    found = sorted(
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if path.parent.name != "store" and _EXECUTE.search(path.read_text(encoding="utf-8"))
    )
    assert set(found) <= SQL_OUTSIDE_STORE, sorted(set(found) - SQL_OUTSIDE_STORE)


def test_every_package_and_module_is_in_the_layers():
    """A package missing from the layers contract would be unchecked."""
    text = PYPROJECT.read_text(encoding="utf-8")
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    listed = set(re.findall(r"betrokken\.(\w+)", text.split("[tool.importlinter]")[1]
                            .split("[[tool.importlinter.contracts]]")[1]))
    assert packages | modules <= listed, sorted((packages | modules) - listed)


ENVIRONMENT_OUTSIDE_CONFIG = {
    # hands the database path to uvicorn's worker processes (edges, issue 21)
    "web/serve.py",
}


def test_settings_are_read_in_config_only():
    found = {
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if path.name != "config.py"
        and re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8"))
    }
    assert found <= ENVIRONMENT_OUTSIDE_CONFIG, sorted(found - ENVIRONMENT_OUTSIDE_CONFIG)


def _layers() -> list[list[str]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")
    return [[m.strip().removeprefix("betrokken.") for m in re.split(r"[:|]", layer)]
            for layer in contract["layers"]]


def layers_markdown() -> str:
    """The floors of docs/architecture.md, as the pyproject contract states them."""
    return "\n".join(f"{i}. " + ", ".join(f"`{m}`" for m in layer)
                     for i, layer in enumerate(_layers(), start=1))


def test_the_architecture_map_lists_the_layers_of_the_contract():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = doc.split("<!-- layers:start -->\n", 1)[1].split("\n<!-- layers:end -->", 1)[0]
    assert block == layers_markdown(), "paste this into docs/architecture.md:\n" + layers_markdown()
