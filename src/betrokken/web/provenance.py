"""What the dashboard tells about where its data came from, without server paths.

The database records the absolute paths the build read (useful to the operator in
``betrokken info``); visitors of ``/api/sources`` and the method page get the file
names and URLs only, since a server's directory layout is nobody else's business.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath, PureWindowsPath

__all__ = ["public_catalogue", "public_text"]

_ABSOLUTE_PATH_RE = re.compile(r"(?<![\w:/])(?:/|[A-Za-z]:\\)[^\s,;\"'<>]+")


def _file_name(path: str) -> str:
    name = (PureWindowsPath(path) if "\\" in path else PurePosixPath(path)).name
    return name or path


def public_text(value: object) -> object:
    """``value`` with every absolute file path replaced by its last component."""
    if not isinstance(value, str) or "://" in value:
        return value
    return _ABSOLUTE_PATH_RE.sub(lambda m: _file_name(m.group(0)), value)


def public_catalogue(catalogue):
    """A copy of the catalogue whose sources and build facts name no server paths."""
    sources = [{k: public_text(v) for k, v in s.items()} for s in catalogue.sources]
    info = {k: public_text(v) for k, v in catalogue.build_info.items()}
    return replace(catalogue, sources=sources, build_info=info)
