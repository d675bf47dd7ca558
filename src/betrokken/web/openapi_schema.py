"""What a valid request is, as exactly as the OpenAPI document can say it.

Two kinds of statements: fixed shapes (area codes, postcode lists, compare lists) that
the routes declare, and facts of the database being served (which levels and profiles
it holds), filled in by ``narrow_to_database`` when the app is created. Schemathesis
(``tests/test_api_schemathesis.py``) holds the app to both: every request the schema
allows must be answered with a 2xx (or a 404 for a code that does not exist), every
request it forbids with a Dutch 4xx.

Postcode and compare lists are checked by ``areas.postcodes`` and ``api``, whose Dutch
messages name the wrong item; the patterns here only describe them (``SCHEMA_ONLY``),
so a wrong list still gets that message rather than a generic one.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from betrokken.web import limits

__all__ = [
    "AREA_CODE_PATTERN", "COMPARE_CODES_PATTERN", "POSTCODE_ITEMS_SCHEMA",
    "POSTCODE_LIST_PATTERN", "ALL_LEVELS", "install", "narrow_to_database",
]

_CODE = (
    # CBS wijk/buurt codes are the gemeente code plus two (four) characters, which are
    # letters in some gemeenten (Amsterdam: WK0363EP), so those parts are alphanumeric.
    r"[Gg][Mm][0-9]{4}|[Ww][Kk][0-9]{4}[0-9A-Za-z]{2}|[Bb][Uu][0-9]{4}[0-9A-Za-z]{4}"
    r"|[1-9][0-9]{3}|[Nn][Ll]"
)
AREA_CODE_PATTERN = rf"^({_CODE})$"
COMPARE_CODES_PATTERN = (
    rf"^ *({_CODE}) *(, *({_CODE}) *){{{limits.MIN_COMPARE_AREAS - 1},"
    rf"{limits.MAX_COMPARE_AREAS - 1}}},?$"
)
_POSTCODE = r"[1-9][0-9]{3}( ?[A-Za-z]{2})?"
POSTCODE_LIST_PATTERN = rf"^[ ,;]*{_POSTCODE}([ ,;]+{_POSTCODE})*[ ,;]*$"
"""A pasted or query-string list: PC4 or PC6, separated by commas, semicolons or spaces."""
POSTCODE_ITEMS_SCHEMA: dict[str, Any] = {
    "minItems": 1,
    "maxItems": limits.MAX_COMPOSE_POSTCODES,
    "items": {"anyOf": [
        {"type": "string", "pattern": rf"^{_POSTCODE}$"},
        {"type": "integer", "minimum": 1000, "maximum": 9999},
    ]},
}
"""A JSON list of postcodes ("3511", "3511AB" or 3511)."""

ALL_LEVELS = ("gemeente", "wijk", "buurt", "pc4")


def narrow_to_database(schema: dict, levels: list[str], profile_ids: list[str]) -> dict:
    """Level enums list only the levels this database holds; profile ids are an enum."""
    def walk(node: Any, name: str | None = None) -> None:
        if isinstance(node, dict):
            if set(node.get("enum") or ()) == set(ALL_LEVELS):
                node["enum"] = [lvl for lvl in ALL_LEVELS if lvl in levels]
            if node.get("in") == "path" and node.get("name") == "profile_id":
                node["schema"] = {**node.get("schema", {}), "enum": list(profile_ids)}
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def install(app: FastAPI, levels: list[str], profile_ids: list[str]) -> None:
    """Serve the OpenAPI document narrowed to this database (made once, on first ask)."""
    make = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = narrow_to_database(make(), levels, profile_ids)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
