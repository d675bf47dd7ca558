"""The one version string of the code: package version plus the git commit, if any.

Written into every database (``build_info.code_version``) and every model artifact, so
a number can be traced to the code that made it. Format (a PEP 440 local version):
``0.1.0+g<commit>`` from a clean checkout, ``0.1.0+g<commit>.dirty`` with uncommitted
changes, and plain ``0.1.0`` outside a git checkout (an installed wheel).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import betrokken

__all__ = ["code_version"]

GIT_TIMEOUT_S = 10
"""Longest wait for git before the version falls back to the package version."""


def code_version(checkout: Path | None = None) -> str:
    """Package version plus ``+g<short commit>`` (and ``.dirty``) when run from git."""
    version = betrokken.__version__
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=7", "--exclude=*"],
            cwd=checkout or Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    if not described:
        return version
    commit, _, dirty = described.partition("-")
    return f"{version}+g{commit}" + (".dirty" if dirty else "")
