"""Numbers, percentages and percentage points as a Dutch reader writes them.

One rule for the pages, the PDF reports, the CLI and the sentences the read model writes:
Babel's ``nl_NL`` locale (a dot groups thousands, a comma marks decimals: '12.346',
'0,8%'). Values are rounded by Python's ``round`` first (the float's exact binary value,
as ``f"{x:.1f}"`` always did) and only then written by Babel, so a figure keeps the digits
it had; a value that rounds to zero has no sign ('0', never '−0,0').

Written by hand, with the reason:
- the sign of differences: Babel writes the locale's minus, an ASCII hyphen ('-1,5');
  differences and percentage points take a real minus sign ('−1,5') and an explicit '+',
  so a reader sees the direction at a glance;
- no dates: the only dates shown are the build's ISO time stamps (a version, not prose).
- the percent sign is appended to the rounded number instead of Babel's percent pattern,
  which would multiply and round a second time (so '0,8%' could not stay '0,8%').
"""

from __future__ import annotations

from babel.numbers import format_decimal

LOCALE = "nl_NL"
MISSING = "–"
"""Shown for a missing value."""
MINUS = "−"
"""U+2212, the minus sign of differences."""


def _pattern(digits: int, *, optional: bool = False) -> str:
    decimals = ("#" if optional else "0") * digits
    return "#,##0" + ("." + decimals if digits else "")


def _rounded(value, digits: int) -> float:
    x = round(float(value), digits)
    return 0.0 if x == 0 else x  # no '-0'


def number(value, digits: int = 0, *, optional: bool = False) -> str:
    """12345.6 -> '12.346'; ``digits`` decimals (``optional``: drop trailing zeros)."""
    if value is None:
        return MISSING
    return format_decimal(_rounded(value, digits), format=_pattern(digits, optional=optional),
                          locale=LOCALE)


def percent(share, digits: int | None = None, *, optional: bool = False) -> str:
    """0.234 -> '23%'. Without ``digits``: whole percents, one decimal below 2 % ('0,8%'),
    because the model's intervals are several points wide (a decimal would suggest
    precision that is not there)."""
    if share is None:
        return MISSING
    x = float(share) * 100
    if digits is None:
        digits = 1 if abs(x) < 2 and x != 0 else 0
    return number(x, digits, optional=optional) + "%"


def percent_interval(lo, hi, digits: int | None = None) -> str:
    """(0.19, 0.27) -> '19–27%'; an interval whose ends round alike is that one value
    ((0.351, 0.354) -> '35%', never '35–35%')."""
    if lo is None or hi is None:
        return MISSING
    low, high = percent(lo, digits), percent(hi, digits)
    if low == high:
        return high
    return f"{low.removesuffix('%')}–{high}"


def interval_adds(point, lo, hi, digits: int | None = None) -> bool:
    """Whether writing the interval next to the point says anything: False when both ends
    round to the point itself ('35% (35–35%)' is shown as '35%')."""
    if lo is None or hi is None:
        return False
    shown = percent(point, digits)
    return not (percent(lo, digits) == shown == percent(hi, digits))


def signed(value, digits: int = 1, *, optional: bool = False) -> str:
    """0.123 -> '+0,1', -1.5 -> '−1,5', a value that rounds to zero -> '0'."""
    if value is None:
        return MISSING
    x = _rounded(value, digits)
    text = number(abs(x), digits, optional=optional)
    if x == 0:
        return number(0, digits, optional=True)
    return ("+" if x > 0 else MINUS) + text


def points(diff, digits: int = 1) -> str:
    """A difference of two shares in percentage points: 0.02 -> '+2 procentpunt',
    -0.015 -> '−1,5 procentpunt', 0 -> '0 procentpunt' (trailing zeros dropped)."""
    if diff is None:
        return MISSING
    return signed(float(diff) * 100, digits, optional=True) + " procentpunt"

