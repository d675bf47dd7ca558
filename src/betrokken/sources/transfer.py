"""HTTP transfers for the download build: retries with back-off, streaming, resume, checksums.

Every request of the download path goes through here:

* ``get_json(client, url, params)``: one JSON answer. Timeouts, connection resets and
  server errors (HTTP 429 and 5xx) are retried ``RETRIES`` times with exponential
  back-off (``tenacity``); a 4xx is final. Without any connection at all the build stops
  with a Dutch message that points to ``BETROKKEN_DATA`` (``offline_error``).
* ``fetch_file(url, dest)``: streams to ``<dest>.part`` and renames on success; an
  interrupted download resumes from the bytes it has (HTTP ``Range``) when the server
  allows it, and starts over when it does not.
* ``Manifest``: ``<cache>/manifest.json`` holds the sha256, size and URL of every file the
  cache has finished. A cached file is used only when it still matches its entry, so a
  file changed or truncated on disk is fetched again instead of read.

Two settings exist for tests and slow links: ``BETROKKEN_HTTP_TIMEOUT`` (read timeout in
seconds, default 60) and ``BETROKKEN_HTTP_BACKOFF`` (first back-off in seconds, default 2).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from betrokken.config import DATA_ENV, setting
from betrokken.errors import SourceError

TIMEOUT_ENV = "BETROKKEN_HTTP_TIMEOUT"
BACKOFF_ENV = "BETROKKEN_HTTP_BACKOFF"
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_BACKOFF_S = 2.0
RETRIES = 4
"""Attempts after the first one; with the default back-off the last waits 16 s."""
CHUNK = 1 << 16
MANIFEST = "manifest.json"


class TransientError(Exception):
    """A failure worth another try (timeout, reset, 429, 5xx)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def _timeout() -> httpx.Timeout:
    read = float(setting(TIMEOUT_ENV, DEFAULT_TIMEOUT_S))
    return httpx.Timeout(read, connect=min(read, 15.0))


def _backoff() -> float:
    return float(setting(BACKOFF_ENV, DEFAULT_BACKOFF_S))


def http_client() -> httpx.Client:
    """The one client configuration of the download path."""
    return httpx.Client(timeout=_timeout(), follow_redirects=True,
                        headers={"User-Agent": "betrokken (open data build)"})


def offline_error(url: str) -> SourceError:
    """The Dutch message for a build that cannot reach a service at all."""
    host = urlparse(url).netloc or url
    return SourceError(
        f"Geen verbinding met {host}: deze computer lijkt offline. Zonder datamap "
        "downloadt de build de bronnen van CBS en PDOK.",
        hint=f"Zet {DATA_ENV} (of --data-dir) op een lokale datamap om zonder netwerk "
        "te bouwen, of probeer het opnieuw met een internetverbinding.",
    )


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TransientError | httpx.TimeoutException | httpx.NetworkError
                      | httpx.RemoteProtocolError)


def _with_retries(func):
    """Call ``func()`` with retries; turn the last failure into a Dutch ``SourceError``."""
    backoff = _backoff()
    runner = retry(
        retry=retry_if_exception(_is_transient),
        stop=stop_after_attempt(RETRIES + 1),
        wait=wait_exponential(multiplier=backoff, min=backoff, max=backoff * 16),
        reraise=True,
    )(func)
    return runner()


def _check_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise TransientError(f"fout {status}", status)
    if status >= 400:
        raise SourceError(f"De server gaf fout {status} voor {url}.",
                          hint="Controleer de URL-instelling of probeer het later opnieuw.")


def _final_error(exc: BaseException, url: str) -> SourceError:
    if isinstance(exc, httpx.ConnectError):
        return offline_error(url)
    if isinstance(exc, TransientError) and exc.status is not None:
        return SourceError(
            f"De server gaf fout {exc.status} voor {url} (ook na {RETRIES} nieuwe pogingen).",
            hint="De dienst is mogelijk tijdelijk onbereikbaar; probeer het later opnieuw. "
            "Wat al binnen is, blijft in de cache en wordt hervat.")
    return SourceError(f"Downloaden van {url} mislukt (ook na {RETRIES} nieuwe pogingen): "
                       f"{type(exc).__name__} {str(exc)[:120]}",
                       hint="Controleer de internetverbinding, of gebruik --data-dir / "
                       f"{DATA_ENV}.")


def get_json(client: httpx.Client, url: str, params: dict | None = None) -> dict:
    """GET one JSON document, with retries and back-off."""

    def once() -> dict:
        response = client.get(url, params=params)
        _check_status(response, url)
        try:
            return response.json()
        except ValueError:  # a cut-off answer: worth another try
            raise TransientError("geen geldige JSON") from None

    try:
        return _with_retries(once)
    except SourceError:
        raise
    except TransientError as exc:
        if exc.status is None:
            raise SourceError(f"Antwoord van {url} is geen geldige JSON.") from None
        raise _final_error(exc, url) from None
    except httpx.HTTPError as exc:
        raise _final_error(exc, url) from None


# --------------------------------------------------------------------------- checksums


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class Manifest:
    """``<root>/manifest.json``: sha256, bytes and URL of every finished file under root."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.path = self.root / MANIFEST
        try:
            self.entries: dict[str, dict] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.entries = {}

    def _key(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    def is_valid(self, path: Path) -> bool:
        """Is ``path`` a finished file whose size and checksum match its entry?"""
        path = Path(path)
        entry = self.entries.get(self._key(path))
        if entry is None or not path.is_file() or path.stat().st_size != entry["bytes"]:
            return False
        return sha256_of(path) == entry["sha256"]

    def record(self, path: Path, url: str) -> None:
        path = Path(path)
        self.entries[self._key(path)] = {"sha256": sha256_of(path),
                                         "bytes": path.stat().st_size, "url": url,
                                         "fetched": time.strftime("%Y-%m-%dT%H:%M:%S")}
        self.root.mkdir(parents=True, exist_ok=True)
        part = self.path.with_name(MANIFEST + ".part")
        part.write_text(json.dumps(self.entries, indent=1, sort_keys=True))
        part.replace(self.path)

    def forget(self, path: Path) -> None:
        self.entries.pop(self._key(path), None)


def cached(dest: Path, manifest_root: Path | None = None) -> bool:
    """Is ``dest`` finished and unchanged (manifest of ``manifest_root``, default its parent)?"""
    dest = Path(dest)
    return Manifest(manifest_root or dest.parent).is_valid(dest)


# --------------------------------------------------------------------------- files


def fetch_file(url: str, dest: Path, *, progress=None, client: httpx.Client | None = None,
               manifest_root: Path | None = None) -> Path:
    """Download ``url`` to ``dest`` unless a verified copy is cached; returns ``dest``.

    Streams to ``<dest>.part`` with a progress bar and renames on success, so an
    interrupted download is never mistaken for a cached file; a later call resumes the
    ``.part`` with an HTTP ``Range`` request. The finished file is entered in the
    manifest of ``manifest_root`` (default: the folder of ``dest``).
    """
    dest = Path(dest)
    manifest = Manifest(manifest_root or dest.parent)
    if manifest.is_valid(dest):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    own = client is None
    client = client or http_client()
    task = None

    def once() -> None:
        nonlocal task
        have = part.stat().st_size if part.is_file() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 416:  # nothing left to send: the part is whole
                return
            _check_status(response, url)
            resumed = have and response.status_code == 206
            size = int(response.headers.get("Content-Length", 0)) or None
            total = (size + have if resumed else size) if size else None
            if progress is not None and task is None:
                task = progress.add_task(f"Downloaden {dest.name}", total=total)
            if progress is not None:
                progress.update(task, total=total, completed=have if resumed else 0)
            with part.open("ab" if resumed else "wb") as out:
                for chunk in response.iter_bytes(chunk_size=CHUNK):
                    out.write(chunk)
                    if progress is not None:
                        progress.advance(task, len(chunk))
            if size is not None and part.stat().st_size != total:
                raise TransientError("afgebroken overdracht")

    try:
        _with_retries(once)
    except SourceError:
        raise
    except (TransientError, httpx.HTTPError) as exc:
        raise _final_error(exc, url) from None
    finally:
        if own:
            client.close()
    part.replace(dest)
    manifest.record(dest, url)
    return dest


# --------------------------------------------------------------------------- paged JSON


def fetch_pages(url: str, params: dict | None, folder: Path, *, items: str,
                next_url, progress=None, label: str = "", total: int | None = None
                ) -> list[Path]:
    """All pages of a paged JSON service, each saved as ``folder/page-NNNNN.json``.

    ``next_url(page) -> str | None`` reads the link to the next page (OData
    ``odata.nextLink``, OGC API ``links[rel=next]``). ``folder/state.json`` records the
    next URL after every saved page, so a download broken off (network, Ctrl-C, a
    server that keeps failing) resumes at the page it stopped at. Pages are written to
    disk as they come: nothing holds the whole collection in memory.
    Returns the page files in order once the last page is in.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state_path = folder / "state.json"
    try:
        state = json.loads(state_path.read_text())
    except (OSError, ValueError):
        state = {"next": url, "params": params, "pages": 0, "items": 0, "done": False}
    task = (progress.add_task(label or url, total=total) if progress is not None else None)
    if task is not None:
        progress.update(task, completed=state["items"])
    with http_client() as client:
        while not state["done"]:
            page = get_json(client, state["next"], state["params"])
            state["pages"] += 1
            target = folder / f"page-{state['pages']:05d}.json"
            part = target.with_name(target.name + ".part")
            part.write_text(json.dumps(page.get(items, [])))
            part.replace(target)
            state["items"] += len(page.get(items, []))
            following = next_url(page)
            state.update({"next": following, "params": None, "done": following is None})
            state_part = state_path.with_name("state.json.part")
            state_part.write_text(json.dumps(state))
            state_part.replace(state_path)
            if task is not None:
                progress.update(task, completed=state["items"])
    return [folder / f"page-{i:05d}.json" for i in range(1, state["pages"] + 1)]


def read_page(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text())
