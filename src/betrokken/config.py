"""Settings: where things live (the data directory, the download cache, the database) and
every other ``BETROKKEN_*`` environment variable. No other module reads the environment.

The data directory comes from ``--data-dir`` or ``BETROKKEN_DATA``. When it is set the
build uses local files only and never touches the network; when it is not, sources are
downloaded from the official open-data services into the cache directory.

The other settings are named (and defaulted) where they are used and read here through
``setting``: the download services' URLs, timeouts and mirror (``sources/``), and the
web map's base layer (``BETROKKEN_BASEMAP``, ``web/basemap.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from betrokken.errors import BetrokkenError

DATA_ENV = "BETROKKEN_DATA"
CACHE_ENV = "BETROKKEN_CACHE"
DB_ENV = "BETROKKEN_DB"
DEFAULT_DB = Path("betrokken.duckdb")


def setting(name: str, default=None):
    """The environment variable ``name`` (a ``BETROKKEN_*`` setting), else ``default``."""
    return os.environ.get(name, default)


def data_dir_from(value: str | Path | None) -> Path | None:
    """The local data directory, or None (download mode). Checks that it exists."""
    raw = value if value not in (None, "") else os.environ.get(DATA_ENV) or None
    if raw is None:
        return None
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise BetrokkenError(
            f"De datamap '{path}' bestaat niet.",
            hint=f"Geef een bestaande map met --data-dir of {DATA_ENV}.",
        )
    return path


def cache_dir() -> Path:
    """Download cache for the open-data path (created on demand)."""
    raw = os.environ.get(CACHE_ENV)
    base = Path(raw) if raw else Path.home() / ".cache" / "betrokken"
    base.mkdir(parents=True, exist_ok=True)
    return base


def db_path_from(value: str | Path | None) -> Path:
    """The database path: --db, else BETROKKEN_DB, else ./betrokken.duckdb."""
    raw = value if value not in (None, "") else os.environ.get(DB_ENV) or DEFAULT_DB
    return Path(raw).expanduser().resolve()
