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


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.strip()


def _tiny_repo(tmp_path: Path) -> tuple[Path, str]:
    """A one-commit git repository with a tag, so that a plain ``git describe`` would
    name the tag: the version must still name the commit (7 hex digits)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.txt").write_text("a\n")
    _git(repo, "add", "a.txt")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    _git(repo, "tag", "v9.9")
    return repo, _git(repo, "rev-parse", "--short=7", "HEAD")


def test_version_names_the_commit_not_a_tag_and_marks_uncommitted_changes(tmp_path):
    repo, commit = _tiny_repo(tmp_path)
    assert len(commit) == 7
    assert code_version(repo) == f"0.1.0+g{commit}"
    (repo / "a.txt").write_text("changed\n")
    assert code_version(repo) == f"0.1.0+g{commit}.dirty"
    (repo / "b.txt").write_text("untracked files do not make a checkout dirty\n")
    (repo / "a.txt").write_text("a\n")
    assert code_version(repo) == f"0.1.0+g{commit}"


def test_version_without_a_checkout_argument_uses_the_package_checkout():
    root = Path(__file__).resolve().parents[1]
    assert code_version() == code_version(root)
    assert "+g" in code_version()
