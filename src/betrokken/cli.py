"""The front door: every job of betrokken is a subcommand here.

Commands only parse options and print; the work is done by the stage modules.
A ``BetrokkenError`` is printed as a Dutch message (no traceback), exit code 2.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from betrokken.config import data_dir_from, db_path_from
from betrokken.errors import BetrokkenError

app = typer.Typer(
    help="betrokken: open betrokkenheidsprofielen voor Nederlandse gemeenten.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

DataDirOption = typer.Option(
    None, "--data-dir", help="Map met lokale bronbestanden (anders: BETROKKEN_DATA of download)."
)
DbOption = typer.Option(None, "--db", help="Pad van de database (standaard ./betrokken.duckdb).")
AcceptChangedOption = typer.Option(
    False,
    "--accept-changed-data",
    help="Ga door als bestanden niet kloppen met het manifest (aantal regels, SHA-256).",
)


def friendly_errors(func):
    """Print BetrokkenError as a Dutch message and exit 2 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BetrokkenError as exc:
            err_console.print(f"[bold red]Fout:[/] {exc.message}")
            if exc.hint:
                err_console.print(f"[yellow]Tip:[/] {exc.hint}")
            raise typer.Exit(code=2) from None

    return wrapper


@app.command()
@friendly_errors
def build(
    data_dir: Path | None = DataDirOption,
    db: Path | None = DbOption,
    n_boot: int | None = typer.Option(None, "--n-boot", help="Aantal bootstrap-replicaties."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Geen voortgangsbalken."),
    accept_changed_data: bool = AcceptChangedOption,
) -> None:
    """Bouw de database uit de bronnen (lokaal of gedownload)."""
    from betrokken.build import build_database
    from betrokken.store.database import BuildInterrupted

    try:
        report = build_database(
            db_path_from(db), data_dir_from(data_dir), console=err_console, quiet=quiet,
            n_boot=n_boot, accept_changed_data=accept_changed_data,
        )
    except BuildInterrupted as exc:
        err_console.print(
            f"[bold red]Bouw afgebroken[/] ({exc}): de bestaande database is ongewijzigd."
        )
        raise typer.Exit(code=130) from None
    for check in report.quality:
        mark = "[green]OK[/]" if check.get("ok") else "[yellow]LET OP[/]"
        console.print(f"{mark} {check.get('message', check.get('name'))}")
    counts = ", ".join(f"{lvl}: {n}" for lvl, n in report.level_counts.items())
    console.print(f"[bold green]Database gebouwd:[/] {report.db_path} ({counts})")


@app.command()
@friendly_errors
def info(
    db: Path | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Uitvoer als JSON."),
) -> None:
    """Wat staat er in de database: jaren, niveaus, aantallen, bronnen en licenties."""
    from betrokken.store.inspect import database_info

    data = database_info(db_path_from(db))
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    table = Table(title=f"Database {data['db_path']}")
    table.add_column("Niveau")
    table.add_column("Gebieden", justify="right")
    table.add_column("Jaren")
    for level, n in data["levels"].items():
        table.add_row(level, str(n), ", ".join(str(y) for y in data["years"].get(level, [])))
    console.print(table)
    for level, why in data.get("missing_levels", {}).items():
        console.print(f"[yellow]Niveau {level} ontbreekt:[/] {why}")
    src = Table(title="Bronnen")
    for col in ("naam", "jaar", "licentie", "herkomst"):
        src.add_column(col)
    for s in data["sources"]:
        src.add_row(str(s["name"]), str(s["year"]), str(s["licence"]), str(s["origin"]))
    console.print(src)
    for key, value in data.get("build", {}).items():
        console.print(f"[dim]{key}:[/] {value}")


@app.command()
@friendly_errors
def serve(
    db: Path | None = DbOption,
    host: str = typer.Option("127.0.0.1", help="Adres om op te luisteren."),
    port: int = typer.Option(8000, help="Poort."),
    workers: int = typer.Option(
        1, "--workers", "-w", min=0,
        help="Aantal werkprocessen (0: één per processorkern). Meer processen = meer "
        "verzoeken tegelijk.",
    ),
) -> None:
    """Start het dashboard in de browser (http://127.0.0.1:8000)."""
    from betrokken.web.serve import default_workers
    from betrokken.web.serve import serve as run_server

    n = workers or default_workers()
    console.print(
        f"Dashboard op [bold]http://{host}:{port}[/] met {n} werkproces(sen) "
        "(stoppen met Ctrl+C)"
    )
    run_server(db_path_from(db), host=host, port=port, workers=n)


@app.command()
@friendly_errors
def fit(
    data_dir: Path | None = DataDirOption,
    out: Path | None = typer.Option(None, "--out", help="Waar het modelbestand komt."),
    seed: int = typer.Option(20210317, help="Startwaarde van de toevalsgenerator."),
    quick: bool = typer.Option(False, "--quick", help="Minder starts en bootstraps (test)."),
    accept_changed_data: bool = AcceptChangedOption,
) -> None:
    """Schat de acht profielen en het lidmaatschapsmodel opnieuw uit de enquête."""
    from betrokken.model.fit import fit_and_save

    data = data_dir_from(data_dir)
    if data is None:
        raise BetrokkenError(
            "Voor 'fit' is een datamap met de enquêtebestanden nodig.",
            hint="Gebruik --data-dir of BETROKKEN_DATA.",
        )
    if not accept_changed_data:
        from betrokken.sources.manifest import check_manifest

        check_manifest(data, under="survey")  # respondent count and hash as declared
    path = fit_and_save(data, out=out, seed=seed, quick=quick, console=err_console)
    console.print(f"[bold green]Model opgeslagen:[/] {path}")


@app.command()
@friendly_errors
def manifest(
    data_dir: Path | None = DataDirOption,
    out: Path | None = typer.Option(None, "--out", help="Ander pad dan <datamap>/MANIFEST.csv."),
) -> None:
    """Leg de bestanden van de datamap vast (regels, SHA-256) in MANIFEST.csv."""
    from betrokken.sources.manifest import write_manifest

    data = data_dir_from(data_dir)
    if data is None:
        raise BetrokkenError(
            "Voor 'manifest' is een datamap nodig.", hint="Gebruik --data-dir of BETROKKEN_DATA."
        )
    path = write_manifest(data, out=out)
    console.print(f"[bold green]Manifest geschreven:[/] {path}")


@app.command()
@friendly_errors
def profiles(as_json: bool = typer.Option(False, "--json", help="Uitvoer als JSON.")) -> None:
    """Toon de acht profielkaarten."""
    from betrokken.model.artifact import load_model
    from betrokken.model.cards import render_cards_text

    model = load_model()
    if as_json:
        sys.stdout.write(json.dumps(model.profiles, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(render_cards_text(model.profiles))


@app.command()
@friendly_errors
def validate(
    data_dir: Path | None = DataDirOption,
    db: Path | None = DbOption,
    out: Path = typer.Option(Path("docs"), "--out", help="Map voor validation.md en figuren."),
) -> None:
    """Vergelijk de geschatte profielen met verkiezingsuitslagen (alleen ter controle)."""
    from betrokken.reports.validation import run_validation

    data = data_dir_from(data_dir)
    if data is None:
        raise BetrokkenError(
            "Voor 'validate' is een datamap met validation/ nodig.",
            hint="Gebruik --data-dir of BETROKKEN_DATA.",
        )
    path = run_validation(db_path_from(db), data, out, console=err_console)
    console.print(f"[bold green]Validatie geschreven:[/] {path}")


@app.command()
@friendly_errors
def export(
    level: str = typer.Option(..., "--level", help="gemeente, wijk, buurt of pc4."),
    gemeente: str | None = typer.Option(None, "--gemeente", help="Gemeentecode, bv. GM0344."),
    fmt: str = typer.Option("csv", "--format", help="gpkg, csv, xlsx of parquet."),
    out: Path | None = typer.Option(None, "--out", help="Uitvoerbestand."),
    db: Path | None = DbOption,
) -> None:
    """Exporteer profielmix, intervallen en vlaggen voor QGIS en Excel."""
    from betrokken.store.export import export_areas

    path = export_areas(db_path_from(db), level=level, gemeente=gemeente, fmt=fmt, out=out)
    console.print(f"[bold green]Geëxporteerd:[/] {path}")


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
