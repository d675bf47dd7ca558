"""The one reader of postcode lists: pasted text, uploaded files, JSON lists -> PC4 codes.

People paste whatever their address file holds: '3511', '3511AB', '3511 ab', one per
line or separated by commas, semicolons or tabs, sometimes under a header line such as
'postcode', 'PC4' or 'Postcode (PC4)'. Every other token must be a postcode; anything
else is reported back by name rather than silently dropped, because a silently
shortened list gives a wrong composition.

Files arrive as UTF-8 (with or without BOM), as Windows' legacy single-byte encoding,
or as Excel's "Unicode-tekst" export (UTF-16 with a byte-order mark, tab-separated).

The composition (``areas.compose``) and the web app both read codes through this
module; the web app passes its size limit (``web.limits.MAX_COMPOSE_POSTCODES``).
"""

from __future__ import annotations

import codecs
import re

from betrokken import schema
from betrokken.errors import BetrokkenError

__all__ = [
    "PC4_MAX",
    "PC4_MIN",
    "PostcodeListError",
    "TooManyPostcodesError",
    "decode_postcode_file",
    "parse_postcode_text",
    "pc4_from_token",
    "pc4_list",
    "postcode_tokens",
]

PC4_MIN, PC4_MAX = schema.PC4_MIN, schema.PC4_MAX

_POSTCODE_RE = re.compile(r"^([1-9]\d{3})([A-Z]{2})?$")
_JOIN_PC6_RE = re.compile(r"\b(\d{4})\s+([A-Za-z]{2})\b")
_SEPARATORS_RE = re.compile(r"[\s,;|\"']+")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class PostcodeListError(BetrokkenError):
    """A postcode list that is empty, too long or holds something that is no postcode."""


class TooManyPostcodesError(PostcodeListError):
    """More distinct postcodes than the caller allows."""


def pc4_from_token(token: object) -> str | None:
    """'3511', '3511AB', '3511 ab', 3511, 3511.0 -> '3511'; anything else (incl. '0123',
    3511.5) -> None. JSON does not tell 3511.0 from 3511 (a spreadsheet export may write
    either), so a whole float counts as the integer."""
    if isinstance(token, bool):
        return None
    if isinstance(token, float) and token.is_integer():
        token = int(token)
    if isinstance(token, int):
        token = str(token)
    if not isinstance(token, str):
        return None
    m = _POSTCODE_RE.match(token.strip().replace(" ", "").upper())
    return m.group(1) if m else None


def pc4_list(tokens: list[object], *, max_codes: int | None = None) -> list[str]:
    """Validated, de-duplicated PC4 codes in first-seen order.

    Raises ``PostcodeListError`` naming the tokens that are no postcode (the first five)
    or when nothing is given, and ``TooManyPostcodesError`` above ``max_codes`` distinct
    codes (``None``: no limit).
    """
    if isinstance(tokens, str):
        tokens = [tokens]
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
    if max_codes is not None and len(codes) > max_codes:
        raise TooManyPostcodesError(
            f"Te veel postcodes: {len(codes)} verschillende, het maximum is {max_codes}.",
            hint="Splits de lijst of kies een gemeente of wijk als gebied.",
        )
    return codes


def _is_header(line: str) -> bool:
    """A header names the column: no token of it starts with a digit ('PC4', 'postcode').

    '3511A' or '351' start with a digit: they are mistyped postcodes, not a header, so
    they are named in the error instead of being dropped.
    """
    tokens = [t for t in _SEPARATORS_RE.split(line) if t]
    return bool(tokens) and not any(t[:1].isdigit() for t in tokens)


def postcode_tokens(text: str) -> list[str]:
    """The tokens of free text that should each be a postcode: split at white space,
    commas, semicolons, bars and quotes, with '3511 AB' kept together as one PC6."""
    joined = _JOIN_PC6_RE.sub(r"\1\2", text)
    return [t for t in _SEPARATORS_RE.split(joined) if t]


def parse_postcode_text(text: str, *, max_codes: int | None = None) -> list[str]:
    """PC4 codes from free text (pasted, or an upload read by ``betrokken.uploads``),
    header line allowed.

    The first line is a header only when more lines follow and none of its tokens starts
    with a digit; a lone line is always read as postcodes, so a single wrong line is
    named in the error rather than reported as an empty list.
    """
    lines = [ln for ln in text.replace("\ufeff", "").splitlines() if ln.strip()]
    if len(lines) > 1 and _is_header(lines[0]):
        lines = lines[1:]
    return pc4_list(postcode_tokens("\n".join(lines)), max_codes=max_codes)


def decode_postcode_file(data: bytes, name: str) -> str:
    """The text of an uploaded postcode file: UTF-16 (with BOM), UTF-8 or Windows-1252.

    Binary files (NUL bytes outside UTF-16) are refused with a Dutch message naming the file.
    """
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise PostcodeListError(
                f"'{name}' lijkt Unicode-tekst (UTF-16), maar is beschadigd of afgebroken.",
                hint="Sla het bestand opnieuw op, bv. als CSV (UTF-8).",
            ) from None
    if b"\x00" in data:
        raise PostcodeListError(
            f"'{name}' is geen tekstbestand.",
            hint="Upload een .txt-, .csv- of .xlsx-bestand met één postcode per regel.",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
