"""Declared dependencies equal imported ones (deptry; exceptions listed in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_declared_dependencies_equal_imported_ones():
    deptry = shutil.which("deptry", path=str(Path(sys.executable).parent)) or shutil.which("deptry")
    if deptry is None:
        pytest.fail("deptry ontbreekt: installeer de testextra's (pip install -e '.[test]').")
    result = subprocess.run(
        [deptry, "src"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
