"""Dutch texts for the command line's own words (Click and Typer's "Usage", "Options",
"Show this message and exit." and their error messages).

Click and Typer wrap these strings in ``gettext`` but ship no Dutch catalogue; this
module gives the modules that print them a ``_`` that looks the string up here (and
returns it unchanged when it has no translation), and sets Typer's panel titles, which
are translated once at import. Call ``install()`` before the app prints anything.
"""

from __future__ import annotations

import re

__all__ = ["DUTCH", "install", "translate"]

DUTCH: dict[str, str] = {
    "Usage:": "Gebruik:",
    "Usage": "Gebruik",
    "Options": "Opties",
    "Commands": "Opdrachten",
    "Arguments": "Argumenten",
    "Show this message and exit.": "Toon deze hulptekst en stop.",
    "[required]": "[verplicht]",
    "required": "verplicht",
    "[default: {}]": "[standaard: {}]",
    "default: {default}": "standaard: {default}",
    "(dynamic)": "(wisselend)",
    "[env var: {}]": "[omgevingsvariabele: {}]",
    "env var: {var}": "omgevingsvariabele: {var}",
    "(deprecated) ": "(verouderd) ",
    "Error": "Fout",
    "Error: {message}": "Fout: {message}",
    "Aborted.": "Afgebroken.",
    "Aborted!": "Afgebroken!",
    "Try [blue]'{command_path} {help_option}'[/] for help.":
        "Probeer [blue]'{command_path} {help_option}'[/] voor hulp.",
    "Try '{command} {option}' for help.": "Probeer '{command} {option}' voor hulp.",
    "Missing option '{param_hint}'.": "Optie '{param_hint}' ontbreekt.",
    "Missing argument '{param_hint}'.": "Argument '{param_hint}' ontbreekt.",
    "Missing parameter '{param_hint}'.": "Parameter '{param_hint}' ontbreekt.",
    "Missing command.": "Geef een opdracht.",
    "No such command {name!r}.": "Onbekende opdracht {name!r}.",
    "No such option: {name}": "Onbekende optie: {name}",
    "Did you mean {possibility}?": "Bedoelt u {possibility}?",
    "Invalid value: {message}": "Ongeldige waarde: {message}",
    "Invalid value for {param_hint}: {message}": "Ongeldige waarde voor {param_hint}: {message}",
    "Option '{name}' requires an argument.": "Optie '{name}' heeft een waarde nodig.",
    "{value!r} is not a valid {number_type}.": "{value!r} is geen geldig {number_type}.",
    "{value!r} is not a valid integer.": "{value!r} is geen geldig geheel getal.",
    "{value!r} is not a valid float.": "{value!r} is geen geldig getal.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} bestaat niet.",
    "Path": "Pad",
    "File": "Bestand",
    "Directory": "Map",
}
"""Click/Typer message -> Dutch. Placeholders stay as they are."""

_TYPER_TITLES = {
    "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
    "DEFAULT_STRING": "[default: {}]", "REQUIRED_LONG_STRING": "[required]",
    "ENVVAR_STRING": "[env var: {}]", "DEPRECATED_STRING": "(deprecated) ",
}
_ERROR_PATTERNS = (
    (re.compile(r"^Missing option (.*)\.$"), r"Optie \1 ontbreekt."),
    (re.compile(r"^Missing argument (.*)\.$"), r"Argument \1 ontbreekt."),
    (re.compile(r"^Missing parameter:? ?(.*)$"), r"Parameter ontbreekt: \1"),
    (re.compile(r"^No such option: (.*)$"), r"Onbekende optie: \1"),
    (re.compile(r"^No such command (.*)\.$"), r"Onbekende opdracht \1."),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)$"), r"Onverwachte extra invoer (\1)"),
    (re.compile(r"^Invalid value for (.*?): (.*)$"), r"Ongeldige waarde voor \1: \2"),
    (re.compile(r"^Option (.*) requires an argument\.$"), r"Optie \1 heeft een waarde nodig."),
    (re.compile(r"Did you mean (.*)\?"), r"Bedoelt u \1?"),
    (re.compile(r"\(Possible options: (.*)\)"), r"(mogelijke opties: \1)"),
    # Typer checks option values with Pydantic, whose messages are English
    (re.compile(r"Input should be a valid integer, got a number with a fractional part"),
     "verwacht een geheel getal, zonder decimalen"),
    (re.compile(r"Input should be a valid integer[^.]*"), "verwacht een geheel getal"),
    (re.compile(r"Input should be a finite number"), "verwacht een eindig getal"),
    (re.compile(r"Input should be a valid number[^.]*"), "verwacht een getal"),
    (re.compile(r"Input should be a valid boolean[^.]*"), "verwacht ja of nee (true/false)"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"moet minstens \1 zijn"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"mag hoogstens \1 zijn"),
    (re.compile(r"Input should be greater than (\S+)"), r"moet groter zijn dan \1"),
    (re.compile(r"Input should be less than (\S+)"), r"moet kleiner zijn dan \1"),
    (re.compile(r"Input should be (.*)"), r"ongeldige invoer (\1)"),
)


def translate(message: str) -> str:
    """A Click/Typer text in Dutch (unchanged when there is no translation)."""
    if message in DUTCH:
        return DUTCH[message]
    for pattern, replacement in _ERROR_PATTERNS:
        message = pattern.sub(replacement, message)
    return message


def install() -> None:
    """Give Typer (and the Click it bundles) the Dutch texts; safe to call twice."""
    import typer.rich_utils as rich_utils

    for attr, english in _TYPER_TITLES.items():
        if hasattr(rich_utils, attr):
            setattr(rich_utils, attr, translate(english))
    if hasattr(rich_utils, "_"):
        rich_utils._ = translate
    try:
        from typer._click import core, exceptions, formatting
    except ImportError:  # pragma: no cover - a Typer without its bundled Click
        return
    if getattr(formatting.HelpFormatter, "_betrokken_dutch", False):
        return
    write_usage = formatting.HelpFormatter.write_usage

    def dutch_usage(self, prog, args="", prefix=None):
        return write_usage(self, prog, args, "Gebruik: " if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = dutch_usage
    formatting.HelpFormatter._betrokken_dutch = True
    get_help_option = core.Command.get_help_option

    def dutch_help_option(self, ctx):
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = DUTCH["Show this message and exit."]
        return option

    core.Command.get_help_option = dutch_help_option
    for cls in {c for c in vars(exceptions).values()
                if isinstance(c, type) and issubclass(c, Exception)
                and "format_message" in vars(c)}:
        original = cls.format_message
        cls.format_message = (lambda f: lambda self: translate(f(self)))(original)
