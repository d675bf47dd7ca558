"""CBS StatLine OData v3: whole tables from the bulk feed, keys resolved by base name.

CBS serves every table twice (https://opendata.cbs.nl): ``ODataApi/odata/<table>``
refuses a query whose answer exceeds 10,000 records (HTTP 500) and never pages, and
``ODataFeed/odata/<table>`` (the bulk feed) answers any size in pages linked by
``odata.nextLink``. The build reads whole KWB tables (about 18,000 regions), so it uses
the bulk feed, as the ``cbsodata`` client does.

Why not ``cbsodata`` itself: measured against the local fake service
(``tests/fixtures_http.py``), ``cbsodata.get_meta(table, "TypedDataSet")`` fails the whole
download on one flaky page (HTTP 503: ``requests.HTTPError``, nothing kept, the next try
starts again from page 1), waits without limit on a slow page (no default timeout), holds
every page in memory, and is configured through module globals (``options.catalog_url``,
``use_https``) instead of a base URL. The paging here is the same (follow
``odata.nextLink``) on top of ``sources.transfer``: retries with back-off, pages saved to
disk as they come, resume after an interruption, a checksum manifest for the cache.

Column keys carry a number that CBS renumbers between releases of the same table
(``OppervlakteLand_123`` in one release, ``OppervlakteLand_127`` in another), so every
reader resolves them by base name (``key_by_base``, ``column_by_base``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from betrokken.config import setting
from betrokken.errors import SourceError
from betrokken.sources import transfer

ODATA_ENV = "BETROKKEN_ODATA_URL"
DEFAULT_ODATA_URL = "https://opendata.cbs.nl/ODataFeed/odata"
API_MAX_RECORDS = 10_000
"""The documented limit of the (non-bulk) ODataApi; the bulk feed has none."""


def odata_url() -> str:
    """Base URL of the bulk feed (``BETROKKEN_ODATA_URL``)."""
    return setting(ODATA_ENV, DEFAULT_ODATA_URL).rstrip("/")


def catalogue_url() -> str:
    """The CBS catalogue (``ODataCatalog``) on the same host as the OData setting."""
    parsed = urlparse(odata_url())
    return f"{parsed.scheme}://{parsed.netloc}/ODataCatalog"


# --------------------------------------------------------------------------- keys


def base_name(key: str) -> str:
    """``OppervlakteLand_123`` -> ``OppervlakteLand``; keys without a number stay."""
    head, _, tail = key.rpartition("_")
    return head if head and tail.isdigit() else key


def key_by_base(keys, base: str) -> str | None:
    """The key of ``keys`` whose base name is ``base`` (or that equals it), else None."""
    for key in keys:
        if key == base or base_name(key) == base:
            return key
    return None


def column_by_base(table: pd.DataFrame, base: str) -> pd.Series:
    """The numeric column of ``table`` with base name ``base`` (NaN when absent)."""
    key = key_by_base(table.columns, base)
    if key is None:
        return pd.Series(float("nan"), index=table.index)
    return pd.to_numeric(table[key], errors="coerce")


def resolve_keys(properties: list[dict], base_names: tuple[str, ...], table: str,
                 optional: tuple[str, ...] = ()) -> dict[str, str]:
    """Map base names (``AantalInwoners``) to this release's keys (``AantalInwoners_5``)."""
    keys = [p.get("Key", "") for p in properties if p.get("Key")]
    found: dict[str, str] = {}
    for base in (*base_names, *optional):
        key = key_by_base(keys, base)
        if key is not None:
            found[base] = key
        elif base in base_names:
            raise SourceError(
                f"CBS-tabel {table} heeft geen kolom '{base}' (ook niet met een ander "
                "volgnummer).",
                hint="De tabel is gewijzigd; zie docs/data.md en sources/download.py.",
            )
    return found


# --------------------------------------------------------------------------- feed


def _next_link(page: dict) -> str | None:
    return page.get("odata.nextLink") or page.get("@odata.nextLink")


def fetch_feed(table_id: str, name: str, cache_dir: Path, *, select: list[str] | None = None,
               progress=None, label: str = "", total: int | None = None) -> list[dict]:
    """All records of ``<bulk feed>/<table>/<name>`` (paged, resumable, cached).

    The cache is ``<cache_dir>/odata/<table>/<name>[-<select>].json``, entered in the
    checksum manifest of ``cache_dir``; a changed or truncated file is fetched again.
    """
    cache_dir = Path(cache_dir)
    suffix = ""
    params: dict = {"$format": "json"}
    if select:
        params["$select"] = ",".join(select)
        suffix = "-" + hashlib.sha1(params["$select"].encode()).hexdigest()[:10]
    final = cache_dir / "odata" / table_id / f"{name}{suffix}.json"
    manifest = transfer.Manifest(cache_dir)
    if manifest.is_valid(final):
        return json.loads(final.read_text())
    url = f"{odata_url()}/{table_id}/{name}"
    pages = transfer.fetch_pages(url, params, final.with_name(final.name + ".pages"),
                                 items="value", next_url=_next_link, progress=progress,
                                 label=label or f"CBS {table_id} {name}", total=total)
    part = final.with_name(final.name + ".part")
    with part.open("w") as out:  # the pages, streamed into one JSON list
        out.write("[")
        first = True
        for page in pages:
            body = page.read_text().strip()[1:-1].strip()
            if body:
                out.write(("" if first else ",") + body)
                first = False
        out.write("]")
    part.replace(final)
    manifest.record(final, url)
    for page in pages:
        page.unlink()
    for leftover in (final.with_name(final.name + ".pages") / "state.json",):
        leftover.unlink(missing_ok=True)
    final.with_name(final.name + ".pages").rmdir()
    return json.loads(final.read_text())


def fetch_cbs_table(table_id: str, cache_dir: Path, *, select: list[str] | None = None,
                    progress=None) -> pd.DataFrame:
    """A whole CBS StatLine table (``TypedDataSet``) as a DataFrame, from the bulk feed.

    Parameters
    ----------
    table_id : the StatLine identifier, e.g. ``85984NED`` or ``50120NED``.
    cache_dir : folder for the cache (``odata/<table>/``) and its checksum manifest.
    select : optional list of full column keys (``$select``); default every column.
    progress : optional ``rich`` progress (one bar, rows fetched).

    Returns
    -------
    DataFrame with the raw StatLine columns under their published keys (``ID``,
    dimension columns such as ``WijkenEnBuurten`` with CBS's padding, topics such as
    ``Vrijwilligerswerk_33``); JSON types are kept (numbers, strings, nulls). Resolve
    topic keys with ``key_by_base``/``column_by_base``: the numbers change between
    releases. Raises ``SourceError`` (Dutch) on an empty table or a failed download.
    """
    rows = fetch_feed(table_id, "TypedDataSet", cache_dir, select=select, progress=progress,
                      label=f"CBS {table_id}")
    if not rows:
        raise SourceError(f"CBS-tabel {table_id} gaf geen rijen terug.")
    return pd.DataFrame.from_records(rows)


def fetch_odata_table(table: str, base_names: tuple[str, ...], cache_dir: Path, *,
                      optional: tuple[str, ...] = (), progress=None) -> pd.DataFrame:
    """The rows of a KWB table for the given columns (resolved by base name).

    Columns come back under this release's keys; ``regio_code`` holds the stripped
    ``WijkenEnBuurten`` code and ``regio_naam`` the dimension title.
    """
    props = fetch_feed(table, "DataProperties", cache_dir)
    keys = resolve_keys(props, base_names, table, optional)
    regions = fetch_feed(table, "WijkenEnBuurten", cache_dir)
    names = {r["Key"].strip(): (r.get("Title") or "").strip() for r in regions}
    frame = fetch_cbs_table(table, cache_dir, select=["WijkenEnBuurten", *keys.values()],
                            progress=progress)
    frame.insert(0, "regio_code", frame.pop("WijkenEnBuurten").str.strip())
    frame.insert(1, "regio_naam", frame["regio_code"].map(names))
    return frame


# --------------------------------------------------------------------------- catalogue


def catalogue_tables(filter_expr: str) -> list[dict]:
    """Rows of the CBS catalogue (``ODataCatalog/Tables``) matching an OData ``$filter``."""
    params = {"$format": "json", "$filter": filter_expr,
              "$select": "Identifier,Title,ShortTitle,Period,Modified"}
    with transfer.http_client() as client:
        return transfer.get_json(client, f"{catalogue_url()}/Tables", params).get("value", [])
