"""One rule for Dutch numbers (``betrokken.dutch_numbers``, Babel's nl_NL), with literal
expectations: the pages, reports and CLI all write what these tests pin."""

from __future__ import annotations

import pytest

from betrokken.dutch_numbers import (
    interval_adds,
    number,
    percent,
    percent_interval,
    points,
    signed,
)


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (12345.6, 0, "12.346"),
    (1234567.891, 2, "1.234.567,89"),
    (0.5, 1, "0,5"),
    (2.675, 2, "2,67"),  # the float's binary value is below 2.675, as f"{x:.2f}" says
    (-0.04, 1, "0,0"),  # rounds to zero: no sign
    (None, 0, "–"),
])
def test_number(value, digits, expected):
    assert number(value, digits) == expected


@pytest.mark.parametrize(("share", "digits", "expected"), [
    (0.234, None, "23%"),
    (0.008, None, "0,8%"),  # below 2 %: one decimal
    (0.0, None, "0%"),
    (0.1234, 1, "12,3%"),  # the CLI printed '12.3%'
    (1.0, 0, "100%"),
    (None, None, "–"),
])
def test_percent(share, digits, expected):
    assert percent(share, digits) == expected


def test_percent_interval():
    assert percent_interval(0.19, 0.27) == "19–27%"
    assert percent_interval(0.191, 0.2749, 1) == "19,1–27,5%"
    assert percent_interval(None, 0.3) == "–"
    # issue 20: an interval that rounds to one value is that value, never '35–35%'
    assert percent_interval(0.351, 0.354) == "35%"
    assert percent_interval(0.351, 0.354, 1) == "35,1–35,4%"
    assert not interval_adds(0.352, 0.351, 0.354)
    assert interval_adds(0.352, 0.351, 0.354, 1) and interval_adds(0.35, 0.33, 0.37)
    assert not interval_adds(0.35, None, 0.37)


@pytest.mark.parametrize(("diff", "expected"), [
    (0.02, "+2 procentpunt"),
    (-0.015, "−1,5 procentpunt"),  # a real minus sign
    (-0.0004, "0 procentpunt"),  # approach.py printed '−0,0 procentpunt'
    (0.0, "0 procentpunt"),
])
def test_points(diff, expected):
    assert points(diff) == expected


def test_whole_points_and_signed_values():
    assert points(0.034, 0) == "+3 procentpunt"
    assert signed(0.456, 2) == "+0,46"
    assert signed(-0.456, 2) == "−0,46"
