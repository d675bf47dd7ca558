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

from betrokken.cli_checks import (
    MAX_N_BOOT,
    MAX_PORT,
    MAX_WORKERS,
    check_output_dir,
    check_output_file,
    checked_db,
    refuse_to_overwrite_other_files,
    write_file,
)
from betrokken.cli_dutch import install as _install_dutch
from betrokken.config import data_dir_from, db_path_from
from betrokken.errors import BetrokkenError
from betrokken.schema import CELL_VARIABLE_WORDS

_install_dutch()

app = typer.Typer(
    help="betrokken: open betrokkenheidsprofielen voor Nederlandse gemeenten.",
    options_metavar="[OPTIES]",
    subcommand_metavar="OPDRACHT [ARGUMENTEN]...",
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
    """Print BetrokkenError as a Dutch message and exit 2 instead of a traceback.

    A file system error that no check foresaw is said in Dutch too (exit 2), and Ctrl+C
    ends with one Dutch line (exit 130).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from betrokken.store.database import os_error_nl

        try:
            return func(*args, **kwargs)
        except BetrokkenError as exc:
            _print_error(exc.message, exc.hint)
            raise typer.Exit(code=2) from None
        except OSError as exc:
            where = f" ('{exc.filename}')" if exc.filename else ""
            _print_error(f"Bestandsfout{where}: {os_error_nl(exc)}.",
                         "Controleer het pad en de rechten.")
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            err_console.print("[bold red]Afgebroken[/] (Ctrl+C).")
            raise typer.Exit(code=130) from None

    return wrapper


def _print_error(message: str, hint: str | None) -> None:
    err_console.print(f"[bold red]Fout:[/] {message}", markup=True, highlight=False)
    if hint:
        err_console.print(f"[yellow]Tip:[/] {hint}", highlight=False)


METHOD_WORDS = {
    "direct": "eigen waarde", "merged": "samengevoegde gemeenten",
    "parent_adjusted": "van de gemeente of wijk, gecorrigeerd voor de eigen bevolking",
    "via_wijk": "via de wijken", "via_gemeente": "via de gemeente", "missing": "geen waarde",
}


def local_report_lines(local: dict | None) -> list[str]:
    """Dutch lines: how the Gezondheidsmonitor reached each level of the database."""
    if not local:
        return []
    lines = [f"Gezondheidsmonitor {local.get('edition')}: koppeling aan de gebieden"]
    for level, counts in (local.get("methods") or {}).items():
        parts = ", ".join(f"{n} {METHOD_WORDS.get(m, m)}" for m, n in counts.items())
        lines.append(f"  {level}: {parts}")
    return lines


def quality_mark(check: dict) -> str:
    """The build report's mark: 'OK' only for a check that ran and passed."""
    if check.get("skipped"):
        return "[cyan]OVERGESLAGEN[/]"
    return "[green]OK[/]" if check.get("ok") else "[yellow]LET OP[/]"


@app.command()
@friendly_errors
def build(
    data_dir: Path | None = DataDirOption,
    db: Path | None = DbOption,
    n_boot: int | None = typer.Option(None, "--n-boot", min=1, max=MAX_N_BOOT,
                                      help="Aantal bootstrap-replicaties."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Geen voortgangsbalken."),
    year: int | None = typer.Option(
        None, "--year", help="KWB-jaar van een downloadbuild (tabel volgens de CBS-catalogus)."),
    accept_changed_data: bool = AcceptChangedOption,
) -> None:
    """Bouw de database uit de bronnen (lokaal of gedownload)."""
    from betrokken.build import build_database
    from betrokken.store.database import BuildInterrupted

    data = data_dir_from(data_dir)
    if year is not None and data is not None:
        raise BetrokkenError(
            "--year kiest het jaar van een downloadbuild; met een datamap bepalen de "
            "bestanden het jaar.",
            hint="Laat --data-dir en BETROKKEN_DATA weg om per jaar te downloaden.")
    db_path = check_output_file(db_path_from(db), option="--db")
    refuse_to_overwrite_other_files(db_path)
    try:
        report = build_database(
            db_path, data, console=err_console, quiet=quiet, n_boot=n_boot,
            year=year, accept_changed_data=accept_changed_data,
        )
    except KeyboardInterrupt as exc:  # Ctrl+C, or SIGTERM/SIGHUP (BuildInterrupted)
        why = str(exc) if isinstance(exc, BuildInterrupted) else "Ctrl+C"
        err_console.print(
            f"[bold red]Bouw afgebroken[/] ({why}): de bestaande database is ongewijzigd."
        )
        raise typer.Exit(code=130) from None
    for check in report.quality:
        console.print(f"{quality_mark(check)} {check.get('message', check.get('name'))}")
    if report.area_changes:
        console.print("[bold]Wijzigingen in gebieden sinds de vorige database:[/]")
        for line in report.area_changes:
            console.print(line, markup=False)
    for line in local_report_lines(report.local):
        console.print(line, markup=False)
    for var in report.national_margins:
        console.print(f"[yellow]LET OP[/] De bron heeft voor geen enkel gebied cijfers over "
                      f"{CELL_VARIABLE_WORDS.get(var, var)}; de schatting gebruikt daarvoor de "
                      f"landelijke verdeling.")
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

    data = database_info(checked_db(db))
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
    port: int = typer.Option(8000, min=1, max=MAX_PORT, help="Poort."),
    workers: int = typer.Option(
        1, "--workers", "-w", min=0, max=MAX_WORKERS,
        help="Aantal werkprocessen (0: één per processorkern). Meer processen = meer "
        "verzoeken tegelijk.",
    ),
) -> None:
    """Start het dashboard in de browser (http://127.0.0.1:8000)."""
    from betrokken.web.serve import check_port, default_workers
    from betrokken.web.serve import serve as run_server

    n = workers or default_workers()
    db_path = checked_db(db)
    check_port(host, port)
    console.print(
        f"Dashboard op [bold]http://{host}:{port}[/] met {n} werkproces(sen) "
        "(stoppen met Ctrl+C)"
    )
    run_server(db_path, host=host, port=port, workers=n)


FIT_DIR_PREFIX = "betrokken-model-"
"""Name of the new directory a refit writes to (plus date and time) when no --out is given."""


@app.command()
@friendly_errors
def fit(
    data_dir: Path | None = DataDirOption,
    out: Path | None = typer.Option(
        None, "--out", help="Nieuwe map voor het model (standaard ./betrokken-model-<tijd>)."
    ),
    replace_artifact: bool = typer.Option(
        False,
        "--vervang-artefact",
        help="Overschrijf het meegeleverde model en de gegenereerde documentatie.",
    ),
    seed: int = typer.Option(20210317, help="Startwaarde van de toevalsgenerator."),
    quick: bool = typer.Option(False, "--quick", help="Minder starts en bootstraps (test)."),
    area_models: bool = typer.Option(
        False, "--gebiedsmodellen",
        help="Schat alleen de gebiedsmodellen (laag vertrouwen, politieke betrokkenheid, "
        "profiel gegeven beide) opnieuw, naast het bestaande profielmodel.",
    ),
    n_boot: int = typer.Option(200, "--n-boot", min=1, max=MAX_N_BOOT,
                               help="Bootstrap-hertrekkingen (gebiedsmodellen)."),
    accept_changed_data: bool = AcceptChangedOption,
) -> None:
    """Schat de acht profielen en het lidmaatschapsmodel opnieuw uit de enquête.

    Het model komt in een nieuwe map; alleen met --vervang-artefact wordt het
    meegeleverde model (en docs/) overschreven.
    """
    from datetime import datetime

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
    if replace_artifact and out is not None:
        raise BetrokkenError(
            "Kies --out of --vervang-artefact, niet allebei.",
            hint="--vervang-artefact schrijft naar het meegeleverde model, --out naar een map.",
        )
    if not replace_artifact:
        if out is None:
            out = Path.cwd() / f"{FIT_DIR_PREFIX}{datetime.now():%Y%m%d-%H%M%S}"
        check_output_dir(out)
        if out.exists() and any(out.iterdir()):
            raise BetrokkenError(
                f"De map '{out}' bestaat al en is niet leeg.",
                hint="Kies met --out een nieuwe map.",
            )
    from betrokken.fit_areas import fit_area_models_from_data

    if area_models:
        model_dir = None
        if out is not None:  # a complete model in the new folder: the profile model + these
            import shutil

            from betrokken.model.artifact import ARTIFACT_DIR, COEF_FILE, MODEL_FILE

            out.mkdir(parents=True, exist_ok=True)
            for name in (MODEL_FILE, COEF_FILE):
                shutil.copy2(ARTIFACT_DIR / name, out / name)
            model_dir = out
        path = fit_area_models_from_data(data, out, n_boot=n_boot, model_dir=model_dir,
                                         console=err_console)
        console.print(f"[bold green]Gebiedsmodellen opgeslagen:[/] {path}")
        return
    path = fit_and_save(data, out=out, seed=seed, quick=quick, console=err_console)

    fit_area_models_from_data(data, path, n_boot=n_boot, model_dir=path, console=err_console)
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
    if out is not None:
        check_output_file(out, suffixes=(".csv",))
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
    check_output_dir(out)
    path = run_validation(checked_db(db), data, out, console=err_console)
    console.print(f"[bold green]Validatie geschreven:[/] {path}")


@app.command()
@friendly_errors
def report(
    db: Path | None = DbOption,
    area: str | None = typer.Option(
        None, "--area", help="Gebied: code (GM0344) of naam (Utrecht, Overvecht)."),
    postcodes: str | None = typer.Option(
        None, "--postcodes", help="Eigen gebied: postcodes (PC4) gescheiden door komma's."),
    national: bool = typer.Option(False, "--national", help="Staat van Betrokkenheid (NL)."),
    compare_to: Path | None = typer.Option(
        None, "--compare-to", help="Oudere database om mee te vergelijken (bij --national)."),
    out: Path = typer.Option(..., "--out", help="Pad van het PDF-bestand."),
) -> None:
    """Maak een gebiedsrapport (PDF) of de landelijke Staat van Betrokkenheid."""
    from betrokken.areas.postcodes import parse_postcode_text
    from betrokken.reports.area_report import write_report

    check_output_file(out, suffixes=(".pdf",))
    codes = parse_postcode_text(postcodes) if postcodes is not None else None
    path = write_report(checked_db(db), out, area_code=area, postcodes=codes,
                        national=national, compare_to=compare_to)
    console.print(f"[bold green]Rapport geschreven:[/] {path}")


@app.command()
@friendly_errors
def export(
    level: str = typer.Option(..., "--level", help="gemeente, wijk, buurt of pc4."),
    gemeente: str | None = typer.Option(None, "--gemeente", help="Gemeentecode, bv. GM0344."),
    fmt: str = typer.Option(
        "csv", "--format",
        help="gpkg, csv, csv-excel (puntkomma en decimale komma voor Nederlandse Excel), "
        "xlsx of parquet."),
    out: Path | None = typer.Option(None, "--out", help="Uitvoerbestand."),
    db: Path | None = DbOption,
) -> None:
    """Exporteer profielmix, intervallen en vlaggen voor QGIS en Excel."""
    from betrokken.store.export import export_areas

    if out is not None:
        check_output_file(out)
    path = export_areas(checked_db(db), level=level, gemeente=gemeente, fmt=fmt, out=out)
    console.print(f"[bold green]Geëxporteerd:[/] {path}")


@app.command()
@friendly_errors
def bereikcheck(
    bestand: Path = typer.Argument(
        ...,
        help="Deelnemers: .csv/.txt/.xlsx (postcode[;leeftijd;geslacht;aantal]), of "
        "antwoorden op de profielquiz (kolommen als in het sjabloon).",
    ),
    gebied: str = typer.Option(
        ..., "--gebied", help="Gemeente of wijk (naam of code: Utrecht, GM0344, WK034401[,…]) "
        "of postcodes."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Schrijf het resultaat als Excel."),
    db: Path | None = DbOption,
) -> None:
    """Wie bereikte uw participatie? Deelnemers tegen de volwassenen van het gebied."""
    from betrokken.areas.reach import FEW_PARTICIPANTS
    from betrokken.dutch_numbers import number, percent, percent_interval
    from betrokken.reports.reach_check import read_participants, result_workbook, run_check
    from betrokken.store.database import connect

    if not bestand.is_file():
        raise BetrokkenError(f"Het bestand '{bestand}' bestaat niet."
                             if not bestand.exists() else f"'{bestand}' is geen bestand.")
    if xlsx is not None:
        check_output_file(xlsx, suffixes=(".xlsx",), option="--xlsx")
    participants, reached = read_participants(
        bestand.read_bytes(), bestand.name, source=f"'{bestand.name}'", web=False
    )
    con = connect(checked_db(db), read_only=True)
    try:
        result = run_check(con, gebied, participants, reached)
    finally:
        con.close()
    if result["profile_basis"] == "bereikt":
        console.print("Profiel: bereikt (uit de antwoorden op de profielquiz), niet verwacht.")
    table = Table(title=f"Bereikcheck {result['area_name']}")
    for col in ("dimensie", "groep", "deelnemers", "inwoners", "interval", "oordeel"):
        table.add_column(col)
    for g in result["groups"]:  # Dutch notation, as on the page
        table.add_row(g["dimension"], g["label"], percent(g["participants_share"], 1),
                      percent(g["population_share"], 1), percent_interval(g["lo"], g["hi"], 1),
                      g["verdict"])
    console.print(table)
    if result["n_in_area"] < FEW_PARTICIPANTS:
        console.print(f"[yellow]LET OP[/] Met {number(result['n_in_area'])} deelnemers zijn de "
                      "intervallen erg breed: alleen grote verschillen kunnen dan 'duidelijk' "
                      "zijn. 'In lijn' betekent hier vooral: niet te beoordelen.")
    for line in result["advice"]:
        console.print(line, markup=False)
    if xlsx is not None:
        write_file(xlsx, result_workbook(result))
        console.print(f"[bold green]Geschreven:[/] {xlsx}")


@app.command()
@friendly_errors
def quiz(
    pdf: Path | None = typer.Option(None, "--pdf", help="Schrijf de quiz als PDF (om te printen)."),
    sjabloon: Path | None = typer.Option(
        None, "--sjabloon",
        help="Schrijf het CSV-sjabloon voor een eigen enquête of aanmeldformulier.",
    ),
) -> None:
    """De profielquiz: de vragen, of als PDF en CSV-sjabloon voor uw eigen enquête."""
    from betrokken.model.artifact import load_model
    from betrokken.model.quiz import quiz_items
    from betrokken.reports.quiz_print import quiz_pdf, quiz_template_csv

    if pdf is not None:
        check_output_file(pdf, suffixes=(".pdf",), option="--pdf")
    if sjabloon is not None:
        check_output_file(sjabloon, suffixes=(".csv",), option="--sjabloon")
    model = load_model()
    if pdf is None and sjabloon is None:
        for i, item in enumerate(quiz_items(model), start=1):
            console.print(f"{i}. {item['text']}", markup=False)
            for opt in item["options"]:
                console.print(f"   {opt['value']} = {opt['label']}", markup=False)
        return
    if pdf is not None:
        write_file(pdf, quiz_pdf(model))
        console.print(f"[bold green]Geschreven:[/] {pdf}")
    if sjabloon is not None:
        write_file(sjabloon, quiz_template_csv(model))
        console.print(f"[bold green]Geschreven:[/] {sjabloon}")


@app.command("import")
@friendly_errors
def import_survey(
    bestand: Path = typer.Argument(
        ..., help="Eigen enquête: Burgerpeiling (.sav) of profielquiz-antwoorden (.csv/.xlsx)."
    ),
    gebied: str = typer.Option(..., "--gebied", help="Gemeentecode (GM0344) of wijkcode(s)."),
    out: Path | None = typer.Option(
        None, "--out", help="Schrijf de aggregaten naar een .xlsx- of .csv-bestand."
    ),
    uit: Path | None = typer.Option(None, "--uit", hidden=True),  # the old name of --out
    db: Path | None = DbOption,
) -> None:
    """Eigen enquête naast het model: profielmix per gebied en per wijk (Fay–Herriot).

    Het bestand wordt alleen gelezen, nooit bewaard; alleen aggregaten van minstens
    50 respondenten komen in de uitvoer.
    """
    from betrokken.areas import reach
    from betrokken.dutch_numbers import percent, percent_interval, points
    from betrokken.model.artifact import load_model
    from betrokken.model.quiz import MIN_QUIZ_ANSWERS
    from betrokken.store.database import connect
    from betrokken.store.target_areas import TargetAreaReader
    from betrokken.survey import own

    if out is not None and uit is not None:
        raise BetrokkenError("Geef --out één keer (--uit is de oude naam van --out).")
    out = out if out is not None else uit
    if out is not None:
        check_output_file(out, suffixes=(".xlsx", ".csv"), option="--out")
    db_path = checked_db(db)
    respondents = own.read_own_survey(bestand)
    model = load_model()
    con = connect(db_path, read_only=True)
    try:
        target = reach.load_target(TargetAreaReader(con), gebied, model.profile_ids)
    finally:
        con.close()
    report = own.own_survey_report(respondents, target, model)
    names = {p["id"]: p["name"] for p in model.profiles}
    console.print(
        f"[bold]{report['area_name']}[/]: {report['n_respondents']} respondenten, "
        f"{report['n_with_quiz']} met minstens {MIN_QUIZ_ANSWERS} antwoorden op de profielquiz "
        "(de anderen: profielkansen uit leeftijd, geslacht en opleiding, voor zover bekend)."
    )
    mix = report["area_mix"]["mix"]
    if not mix:
        console.print(
            f"Minder dan {report['min_respondents']} respondenten: geen profielmix getoond."
        )
    else:
        table = Table(title="Profielmix: eigen enquête (gewogen naar leeftijd en geslacht) "
                      "naast het model")
        for col in ("profiel", "eigen enquête", "90%-marge", "model"):
            table.add_column(col)
        for r in mix:
            table.add_row(names[r["profile_id"]], percent(r["own_survey"], 1),
                          percent_interval(r["own_survey_lo"], r["own_survey_hi"], 1),
                          percent(r["model"], 1))
        console.print(table)
    wijken = report["wijken"]
    if wijken.empty:
        console.print(f"Geen wijk met minstens {report['min_respondents']} respondenten: "
                      "geen samengestelde schatting per wijk.")
    else:
        table = Table(title="Per wijk: eigen enquête en model samengesteld (Fay–Herriot)")
        for col in ("wijk", "respondenten", "weegt het zwaarst", "gewicht enquête",
                    "grootste verschuiving"):
            table.add_column(col)
        for _unit, g in wijken.groupby("unit", sort=False):
            shift = (g["composite"] - g["model"]).to_numpy()
            k = int(abs(shift).argmax())
            table.add_row(
                str(g["unit_name"].iloc[0]), str(int(g["n_respondents"].iloc[0])),
                str(g["dominant"].iloc[0]), percent(g["gamma"].mean(), 0),
                f"{names[g['profile_id'].iloc[k]]} {points(shift[k])}",
            )
        console.print(table)
    if out is not None:
        write_file(out, own.report_file(report, model, out.name))
        console.print(f"[bold green]Geschreven:[/] {out}")


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
