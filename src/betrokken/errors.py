"""One error type for everything a user can get wrong, with a Dutch message.

The CLI prints ``BetrokkenError`` messages without a traceback and exits with code 2;
the web app turns them into a 4xx JSON answer. Anything else is a bug.
"""

from __future__ import annotations


class BetrokkenError(Exception):
    """A problem with the user's input or data, explained in Dutch."""

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nTip: {self.hint}"


class SourceError(BetrokkenError):
    """A source file is missing, truncated, or has other columns than expected."""


class QualityError(BetrokkenError):
    """A build-time data quality check failed (names the area and the field)."""


class UnknownAreaError(BetrokkenError):
    """An area code or postcode that does not exist in the database."""
