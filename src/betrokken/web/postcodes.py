"""Reading a user's list of postcodes (pasted, uploaded or JSON) into PC4 codes.

People paste whatever their address file holds: '3511', '3511AB', '3511 ab', one per
line or separated by commas or semicolons, sometimes with a header line. Every token
must be a postcode; anything else is reported back by name rather than silently
dropped, because a silently shortened list gives a wrong composition.
"""

from __future__ import annotations

import re

from betrokken.errors import BetrokkenError
from betrokken.web.limits import MAX_COMPOSE_POSTCODES

_POSTCODE_RE = re.compile(r"^([1-9]\d{3})([A-Z]{2})?$")
_JOIN_PC6_RE = re.compile(r"\b(\d{4})\s+([A-Za-z]{2})\b")
_SEPARATORS_RE = re.compile(r"[\s,;|\t\"']+")


class PostcodeListError(BetrokkenError):
    """A postcode list that is empty, too long or holds something that is no postcode."""


class TooManyPostcodesError(PostcodeListError):
    """More postcodes than ``limits.MAX_COMPOSE_POSTCODES``."""


def pc4_from_token(token: object) -> str | None:
    """'3511', '3511AB', 3511 -> '3511'; anything else -> None."""
    if isinstance(token, bool):
        return None
    if isinstance(token, int):
        token = str(token)
    if not isinstance(token, str):
        return None
    m = _POSTCODE_RE.match(token.strip().replace(" ", "").upper())
    return m.group(1) if m else None


def pc4_list(tokens: list[object]) -> list[str]:
    """Validated, de-duplicated PC4 codes in first-seen order."""
    if not tokens:
        raise PostcodeListError(
            "De lijst met postcodes is leeg.", hint="Geef minstens één postcode, bv. 3511."
        )
    bad = [t for t in tokens if pc4_from_token(t) is None]
    if bad:
        shown = ", ".join(repr(b)[:20] for b in bad[:5])
        more = f" (en nog {len(bad) - 5})" if len(bad) > 5 else ""
        raise PostcodeListError(
            f"Dit zijn geen postcodes: {shown}{more}.",
            hint="Een postcode heeft vier cijfers (1000–9999), eventueel gevolgd door twee "
            "letters, bv. 3511 of 3511AB. Zet alleen postcodes in de lijst (één kolom).",
        )
    codes = list(dict.fromkeys(pc4_from_token(t) for t in tokens))
    if len(codes) > MAX_COMPOSE_POSTCODES:
        raise TooManyPostcodesError(
            f"Te veel postcodes: {len(codes)} verschillende, het maximum is "
            f"{MAX_COMPOSE_POSTCODES}.",
            hint="Splits de lijst of kies een gemeente of wijk als gebied.",
        )
    return codes


def parse_postcode_text(text: str) -> list[str]:
    """PC4 codes from free text (pasted or an uploaded .txt/.csv); header line allowed."""
    lines = [ln for ln in text.replace("\ufeff", "").splitlines() if ln.strip()]
    if lines and not any(ch.isdigit() for ch in lines[0]):
        lines = lines[1:]  # a header such as 'postcode'
    joined = _JOIN_PC6_RE.sub(r"\1\2", "\n".join(lines))
    tokens = [t for t in _SEPARATORS_RE.split(joined) if t]
    return pc4_list(tokens)
