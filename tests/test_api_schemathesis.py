"""Schemathesis against the served app: every operation, all phases, every check.

Runs ``schemathesis run`` (examples, coverage, fuzzing and stateful phases, ``--checks
all``) against the app served by uvicorn with the production settings, on the test
database. One check is left out, ``positive_data_acceptance``: the schema cannot say
which levels and profiles a given database holds, so a well-formed but absent level
('buurt' in a database without buurten) is rightly a Dutch 4xx, not a 2xx. And a
request whose URL is too long is refused with 414 (documented), which schemathesis must
count as a rejection.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from betrokken.web.app import create_app
from betrokken.web.serve import UVICORN_OPTIONS
from helpers_server import live_server

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 15
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = [400, 404, 405, 413, 414, 422]
"""


def test_schemathesis_finds_nothing(built_db, tmp_path: Path):
    cli = Path(sys.executable).with_name("schemathesis")
    (tmp_path / "schemathesis.toml").write_text(CONFIG, encoding="utf-8")
    with live_server(create_app(built_db), **UVICORN_OPTIONS) as url:
        result = subprocess.run(
            [str(cli), "run", f"{url}/openapi.json", "--checks", "all",
             "--exclude-checks", "positive_data_acceptance",
             "--phases", "examples,coverage,fuzzing,stateful",
             "--max-examples", str(MAX_EXAMPLES), "--seed", "11", "--no-color",
             "--request-timeout", "20", "--workers", "1"],
            cwd=tmp_path, capture_output=True, text=True, timeout=900,
        )
    summary = result.stdout[-12000:]
    assert result.returncode == 0, summary
    assert "Tested: " in summary
