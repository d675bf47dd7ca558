"""The command line speaks Dutch, including Typer's and Click's own words (issue 12)."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from betrokken.cli import app

ENGLISH = ("Usage", "Options", "Show this message and exit", "[required]", "[default",
           "Commands", "Arguments", "Missing option", "No such option", "Possible options",
           "COMMAND [ARGS]")
COMMANDS = sorted(typer.main.get_command(app).commands)


@pytest.mark.parametrize("args", [["--help"], *[[c, "--help"] for c in COMMANDS]])
def test_help_is_fully_dutch(args):
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Gebruik:" in result.output and "Toon deze hulptekst en stop." in result.output
    found = [word for word in ENGLISH if word in result.output]
    assert not found, f"{' '.join(args)}: Engelse woorden {found}\n{result.output}"


def test_usage_errors_are_dutch():
    missing = CliRunner().invoke(app, ["export"], env={"COLUMNS": "200"})
    assert missing.exit_code == 2 and "Optie '--level' ontbreekt." in missing.output
    unknown = CliRunner().invoke(app, ["export", "--level", "wijk", "--bla"],
                                 env={"COLUMNS": "200"})
    assert unknown.exit_code == 2 and "Onbekende optie: --bla" in unknown.output
    assert not [w for w in ENGLISH if w in missing.output + unknown.output]
