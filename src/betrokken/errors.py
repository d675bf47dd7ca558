"""One error type for everything a user can get wrong, with a Dutch message.

The CLI prints ``BetrokkenError`` messages without a traceback and exits with code 2;
the web app turns them into a 4xx JSON answer. Anything else is a bug.
"""

from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 1000
"""Longest error message or hint shown to anyone; longer (echoed) text is cut with '…'."""

_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def safe_text(text: object, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """Text that can always be written as UTF-8: lone surrogates (JSON allows ``"\\ud800"``)
    become U+FFFD and the text is cut at ``max_chars``. Every message that may repeat a
    user's input goes through here (``BetrokkenError`` and the web app's error answers)."""
    text = _LONE_SURROGATE_RE.sub("\ufffd", str(text))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


class BetrokkenError(Exception):
    """A problem with the user's input or data, explained in Dutch."""

    def __init__(self, message: str, *, hint: str | None = None):
        message = safe_text(message)
        super().__init__(message)
        self.message = message
        self.hint = None if hint is None else safe_text(hint)

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nTip: {self.hint}"


class SourceError(BetrokkenError):
    """A source file is missing, truncated, or has other columns than expected."""


class QualityError(BetrokkenError):
    """A build-time data quality check failed (names the area and the field)."""


class UnknownAreaError(BetrokkenError):
    """An area code or postcode that does not exist in the database."""
