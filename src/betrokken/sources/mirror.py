"""A plain HTTP copy of a data directory (``BETROKKEN_MIRROR_URL``): ``<mirror>/cbs/<file>``.

For the files that have no official JSON service (the address crosswalks, the PC4 and
2019/2020 history files), an organisation can serve its data directory over HTTP. The
files come into the download cache through ``transfer.fetch_file`` (streaming, retries,
resume, checksum manifest) and are read with the source's own reader.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from betrokken.config import setting
from betrokken.errors import SourceError
from betrokken.sources import transfer
from betrokken.sources.base import Source

MIRROR_ENV = "BETROKKEN_MIRROR_URL"


def mirror_url() -> str | None:
    raw = setting(MIRROR_ENV)
    return raw.rstrip("/") if raw else None


def fetch_source(source: Source, cache_dir: Path, *, progress=None) -> Path:
    """A source file from the mirror into ``<cache_dir>/cbs/``; returns the cached path."""
    mirror = mirror_url()
    if mirror is None:
        raise SourceError(
            f"Voor bron '{source.name}' ({source.filename}) is geen officiële download "
            "als bestand beschikbaar.",
            hint=f"Gebruik --data-dir, of zet {MIRROR_ENV} op een kopie van de datamap.",
        )
    return transfer.fetch_file(f"{mirror}/cbs/{quote(source.filename)}",
                               Path(cache_dir) / "cbs" / source.filename, progress=progress,
                               manifest_root=Path(cache_dir))
