"""The one postcode reader: tokens, headers, files in the encodings people send, limits."""

from __future__ import annotations

import codecs

import pytest

from betrokken.areas.postcodes import (
    PostcodeListError,
    TooManyPostcodesError,
    decode_postcode_file,
    parse_postcode_text,
    pc4_from_token,
    pc4_list,
)


@pytest.mark.parametrize(
    ("token", "pc4"),
    [
        ("3511", "3511"),
        ("3511AB", "3511"),
        ("3511 ab", "3511"),
        (" 3511ab ", "3511"),
        (3511, "3511"),
        ("1000", "1000"),
        ("9999", "9999"),
        ("0123", None),
        ("0999", None),
        ("351", None),
        ("35111", None),
        ("3511A", None),
        ("3511ABC", None),
        ("35AB", None),
        ("", None),
        (True, None),
        (None, None),
        (3511.0, "3511"),  # JSON's 3511.0 is the integer 3511 (JSON Schema agrees)
        (3511.5, None),
        (999.0, None),
    ],
)
def test_token(token, pc4):
    assert pc4_from_token(token) == pc4


@pytest.mark.parametrize(
    "header", ["postcode", "Postcode", "PC4", "pc6", "Postcode (PC4)", "postcode;plaats", "PC4\t"]
)
def test_header_line_with_or_without_a_digit_is_skipped(header):
    assert parse_postcode_text(f"{header}\n3511\n3512AB\n") == ["3511", "3512"]


@pytest.mark.parametrize("line", ["postcode", "PC4", "Utrecht", "3511A"])
def test_a_lone_line_that_is_no_postcode_is_named(line):
    with pytest.raises(PostcodeListError) as err:
        parse_postcode_text(line)
    assert repr(line) in err.value.message and "leeg" not in err.value.message


def test_a_mistyped_first_postcode_is_not_taken_for_a_header():
    with pytest.raises(PostcodeListError, match="'3511A'"):
        parse_postcode_text("3511A\n3512\n")
    with pytest.raises(PostcodeListError, match="'351'"):
        parse_postcode_text("351\n3512\n")


def test_separators_pc6_with_space_and_duplicates():
    text = '3511 AB\n3511ab; 3512,3513\t9999|"1234 ab"\n\n3512'
    assert parse_postcode_text(text) == ["3511", "3512", "3513", "9999", "1234"]


def test_bad_tokens_are_named_five_at_most():
    with pytest.raises(PostcodeListError) as err:
        pc4_list(["3511", "a", "b", "c", "d", "e", "f", "g"])
    assert "'a'" in err.value.message and "'e'" in err.value.message
    assert "'f'" not in err.value.message and "en nog 2" in err.value.message


def test_empty_list():
    for empty in ([], "", "\n\n"):
        with pytest.raises(PostcodeListError, match="leeg"):
            parse_postcode_text(empty) if isinstance(empty, str) else pc4_list(empty)


def test_limit_counts_distinct_codes_and_is_inclusive():
    codes = [str(c) for c in range(1000, 1500)]  # 500 distinct
    assert len(pc4_list(codes, max_codes=500)) == 500
    assert len(pc4_list([*codes, "1000AB"], max_codes=500)) == 500  # a repeat is no extra
    with pytest.raises(TooManyPostcodesError) as err:
        pc4_list([*codes, "1500"], max_codes=500)
    assert "501" in err.value.message and "500" in err.value.message
    assert len(pc4_list([*codes, "1500"])) == 501  # no limit unless asked


def test_excel_unicode_text_is_utf16_with_bom():
    text = "Postcode\tPlaats\r\n3511\tUtrecht\r\n3512\tUtrecht\r\n"
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        data = bom + text.encode(codec)
        decoded = decode_postcode_file(data, "adressen.txt")
        assert decoded.startswith("Postcode\tPlaats")
    lines = [ln.split("\t")[0] for ln in decoded.splitlines()]
    assert parse_postcode_text("\n".join(lines)) == ["3511", "3512"]


def test_other_encodings_and_binary_files():
    assert decode_postcode_file("\ufeffpostcode\n3511".encode(), "a.csv") == "postcode\n3511"
    assert decode_postcode_file("Zoëlaan\n3511".encode("cp1252"), "a.csv") == "Zoëlaan\n3511"
    with pytest.raises(PostcodeListError, match="'foto.png' is geen tekstbestand"):
        decode_postcode_file(b"\x89PNG\r\n\x1a\n\x00\x00", "foto.png")
    with pytest.raises(PostcodeListError, match="'kapot.txt'"):
        decode_postcode_file(codecs.BOM_UTF16_LE + b"3\x005\x001", "kapot.txt")


def test_text_limit_and_byte_order_mark():
    assert parse_postcode_text("\ufeff3511\n3512") == ["3511", "3512"]
    with pytest.raises(TooManyPostcodesError, match="2 verschillende"):
        parse_postcode_text("3511\n3512", max_codes=1)


def test_a_header_needs_a_following_line_and_no_token_starting_with_a_digit():
    assert parse_postcode_text("postcode\n3511") == ["3511"]
    with pytest.raises(PostcodeListError, match="'3A'"):
        parse_postcode_text("3A\n3511")  # a mistyped postcode, not a header


def test_file_errors_say_what_to_do():
    with pytest.raises(PostcodeListError) as err:
        decode_postcode_file(codecs.BOM_UTF16_LE + b"3\x005\x001", "kapot.txt")
    assert err.value.hint == "Sla het bestand opnieuw op, bv. als CSV (UTF-8)."
    with pytest.raises(PostcodeListError) as err:
        decode_postcode_file(b"3511\x00", "a.bin")
    assert err.value.hint == "Upload een .txt-, .csv- of .xlsx-bestand met één postcode per regel."


def test_bytes_that_no_encoding_knows_are_replaced_not_fatal():
    # 0x81 is undefined in Windows-1252 and invalid UTF-8
    assert decode_postcode_file(b"3511\n\x81\n3512", "a.csv") == "3511\n\ufffd\n3512"


def test_list_messages_in_full():
    assert pc4_list("3511 AB") == ["3511"]  # one string is one token, not four characters
    with pytest.raises(PostcodeListError) as err:
        pc4_list([])
    assert (err.value.message, err.value.hint) == (
        "De lijst met postcodes is leeg.", "Geef minstens één postcode, bv. 3511.")
    with pytest.raises(PostcodeListError) as err:
        pc4_list(["3511", "abcdefghijklmnopqrstuvwxyz", 12])
    assert err.value.message == "Dit zijn geen postcodes: 'abcdefghijklmnopqrs, 12."
    assert err.value.hint == (
        "Een postcode heeft vier cijfers (1000–9999), eventueel gevolgd door twee letters, "
        "bv. 3511 of 3511AB. Zet alleen postcodes in de lijst (één kolom).")
    with pytest.raises(PostcodeListError) as err:
        pc4_list(list("abcdefgh"))
    assert err.value.message == "Dit zijn geen postcodes: 'a', 'b', 'c', 'd', 'e' (en nog 3)."
    with pytest.raises(PostcodeListError) as err:
        pc4_list(list("abcde"))
    assert err.value.message == "Dit zijn geen postcodes: 'a', 'b', 'c', 'd', 'e'."
    with pytest.raises(PostcodeListError) as err:
        pc4_list(list("abcdef"))
    assert err.value.message.endswith("'e' (en nog 1).")
    with pytest.raises(TooManyPostcodesError) as err:
        pc4_list(["3511", "3512", "3513"], max_codes=2)
    assert (err.value.message, err.value.hint) == (
        "Te veel postcodes: 3 verschillende, het maximum is 2.",
        "Splits de lijst of kies een gemeente of wijk als gebied.")
