"""Schemathesis against the served app: every operation, all phases, every check.

Runs ``schemathesis run`` (examples, coverage, fuzzing and stateful phases, ``--checks
all``) against the app served by uvicorn with the production settings, on the small test
database (three gemeenten, no buurten: ``conftest.small_db``), and expects zero findings.

The OpenAPI document says what a valid request is for this database (levels and profile
ids it holds, code and postcode patterns; ``web/openapi_schema.py``). Where a valid
request still depends on facts a schema cannot relate, ``positive_data_acceptance`` also
accepts the one Dutch 4xx that names that fact, per operation (``CONFIG``; the reasons are
in docs/serving.md). Every other check runs unchanged on every operation.

``schemathesis_hooks.py`` adds lone UTF-16 surrogates to the strings of JSON bodies
(schemathesis itself only generates UTF-8-encodable text): they once gave a 500.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from betrokken.web.app import create_app
from betrokken.web.serve import UVICORN_OPTIONS
from helpers_server import live_server

pytestmark = pytest.mark.slow
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
MAX_EXAMPLES = 20
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = [400, 404, 405, 413, 414, 422]

# a level must lie below the area (no 'gemeente' under a gemeente, nothing under a PC4)
[[operations]]
include-path-regex = "/children|/geojson$|^/api/target-groups/"
checks.positive_data_acceptance.expected-statuses = [200, 404, 400]

# 'NL,nl' is two codes for the schema, one area for the comparison
[[operations]]
include-path = "/api/compare"
checks.positive_data_acceptance.expected-statuses = [200, 404, 400]

# the content of a file, quiz answers and participant rows is checked against the
# model's items and the area, not by the schema: a Dutch 400/422 names what is wrong
[[operations]]
include-path-regex = "^/api/(compose/upload|quiz|bereikcheck)$"
checks.positive_data_acceptance.expected-statuses = [200, 404, 400, 422]
"""


def test_schemathesis_finds_nothing(small_db, tmp_path: Path):
    cli = Path(sys.executable).with_name("schemathesis")
    (tmp_path / "schemathesis.toml").write_text(CONFIG, encoding="utf-8")
    with live_server(create_app(small_db), **UVICORN_OPTIONS) as url:
        result = subprocess.run(
            [str(cli), "run", f"{url}/openapi.json", "--checks", "all",
             "--phases", "examples,coverage,fuzzing,stateful",
             "--max-examples", str(MAX_EXAMPLES), "--seed", "11", "--no-color",
             "--request-timeout", "20", "--workers", "1"],
            cwd=tmp_path, capture_output=True, text=True, timeout=900,
            env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)},
        )
    summary = result.stdout[-12000:]
    assert result.returncode == 0, summary
    assert "Tested: " in summary
    assert "unique failures" not in summary
