"""One version string for databases and model artifacts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import betrokken
from betrokken.version import code_version


def test_version_from_a_checkout_names_the_commit():
    root = Path(__file__).resolve().parents[1]
    commit = subprocess.run(["git", "rev-parse", "--short=7", "HEAD"], cwd=root,
                            capture_output=True, text=True, check=True).stdout.strip()
    version = code_version(root)
    assert re.fullmatch(rf"0\.1\.0\+g{commit}[0-9a-f]*(\.dirty)?", version), version


def test_version_outside_git_is_the_package_version(tmp_path):
    assert code_version(tmp_path) == betrokken.__version__ == "0.1.0"


def test_database_records_the_same_version(built_db):
    from betrokken.store.inspect import database_info

    recorded = database_info(built_db)["build"]["code_version"]
    assert recorded.split(".dirty")[0] == code_version().split(".dirty")[0]
