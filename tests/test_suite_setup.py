"""The README's test command as written: a relative data dir, and visible browser skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers_data import broken_copy, truncate

ROOT = Path(__file__).resolve().parents[1]


def test_broken_copy_works_with_a_relative_data_dir(data_dir: Path, tmp_path: Path):
    relative = Path(os.path.relpath(data_dir))
    assert not relative.is_absolute()
    target = broken_copy(relative, tmp_path / "data", "wijk_2019_kwb_subset_thomvenema.csv",
                         truncate(0.5))
    links = [p for p in (target / "cbs").iterdir() if p.is_symlink()]
    assert len(links) == len(list((data_dir / "cbs").iterdir())) - 1
    dangling = [p.name for p in links if not p.exists()]
    assert dangling == []


@pytest.mark.parametrize("required", [False, True])
def test_a_skipped_browser_test_is_named_in_the_summary(required: bool):
    """Without Chromium a browser test is skipped with a red line that says how to get
    it; with BETROKKEN_REQUIRE_BROWSER=1 (CI) it fails instead."""
    env = {**os.environ, "BETROKKEN_CHROMIUM": ""}
    env.pop("BETROKKEN_REQUIRE_BROWSER", None)
    if required:
        env["BETROKKEN_REQUIRE_BROWSER"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_browser.py", "-k", "reflow"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    if required:
        assert result.returncode == 1, result.stdout[-2000:]
        assert "verplicht in CI" in result.stdout
        assert "overgeslagen" not in result.stdout.split("short test summary")[-1]
        return
    assert result.returncode == 0, result.stdout[-2000:]
    assert "browsertests overgeslagen: Chromium ontbreekt" in result.stdout
    assert "apt-get install chromium" in result.stdout
    assert "SKIPPED" in result.stdout and "Chromium ontbreekt (apt-get" in result.stdout
