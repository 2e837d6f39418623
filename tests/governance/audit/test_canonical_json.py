"""RFC 8785 (JCS) test vectors, taken from the RFC itself, against governance.audit.hashing.canonical_json."""

from __future__ import annotations

import json
import math
import struct

import pytest

from governance.audit.hashing import CanonicalizationError, canonical_json

# RFC 8785 Appendix B: IEEE 754 bit patterns and their required serialisation.
APPENDIX_B = [
    ("0000000000000000", "0"),  # zero
    ("8000000000000000", "0"),  # minus zero
    ("0000000000000001", "5e-324"),  # min pos number
    ("8000000000000001", "-5e-324"),  # min neg number
    ("7fefffffffffffff", "1.7976931348623157e+308"),  # max pos number
    ("ffefffffffffffff", "-1.7976931348623157e+308"),  # max neg number
    ("4340000000000000", "9007199254740992"),  # max pos int
    ("c340000000000000", "-9007199254740992"),  # max neg int
    ("4430000000000000", "295147905179352830000"),  # ~2**68
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),  # round to even
]


def from_bits(hex_bits: str) -> float:
    return struct.unpack(">d", bytes.fromhex(hex_bits))[0]


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_appendix_b_numbers(bits, expected):
    assert canonical_json(from_bits(bits)) == expected.encode()
    assert canonical_json({"n": from_bits(bits)}) == b'{"n":' + expected.encode() + b"}"


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_appendix_b_nan_and_infinities_are_refused(bits):
    with pytest.raises(CanonicalizationError):
        canonical_json({"n": from_bits(bits)})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused_anywhere(value):
    with pytest.raises(CanonicalizationError):
        canonical_json({"a": [1, {"b": value}]})


def test_integers_beyond_2_to_the_53_are_refused():
    assert canonical_json(2**53 - 1) == b"9007199254740991"
    assert canonical_json(-(2**53) + 1) == b"-9007199254740991"
    for unsafe in (2**53, -(2**53), 2**64, 10**30):
        with pytest.raises(CanonicalizationError):
            canonical_json({"n": unsafe})


def test_section_3_2_2_sample_gives_the_exact_output_of_3_2_3_and_bytes_of_3_2_4():
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(source)) == expected.encode("utf-8")
    # §3.2.4: the UTF-8 bytes, as the RFC lists them (hex).
    rfc_bytes = bytes.fromhex(
        """
        7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
        75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
        5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
        65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
        5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
        30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d
        """
    )
    assert canonical_json(json.loads(source)) == rfc_bytes


def test_section_3_2_3_property_sorting_by_utf16_code_units():
    source = (
        '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",'
        ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",'
        ' "\\u00f6": "Latin Small Letter O With Diaeresis"}'
    )
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    # The emoji (U+1F600, UTF-16 D83D DE00) sorts before U+FB33: code units, not code points.
    assert canonical_json(json.loads(source)) == expected.encode("utf-8")


def test_strings_escape_only_what_json_requires():
    assert canonical_json('\u2028 é \x1f \t "\\') == '"\u2028 é \\u001f \\t \\"\\\\"'.encode()
    assert canonical_json({"b": [], "a": {}, "c": None}) == b'{"a":{},"b":[],"c":null}'
