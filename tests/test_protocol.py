"""The button-box protocol as pure functions: checksums, frames, and a splitter that never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.protocol import (MAX_FRAME, Ack, FrameError, FrameSplitter, Heartbeat, Hello, Rate, checksum, encode,
                               parse_line)

# Published NMEA 0183 sentences with their checksums (the Wikipedia "NMEA 0183" article's examples),
# computed by GPS receivers, not by this code.
PUBLISHED = [
    ("GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,", "76"),
    ("GPGSA,A,3,10,07,05,02,29,04,08,13,,,,,1.72,1.03,1.38", "0A"),
    ("GPRMC,092750.000,A,5321.6802,N,00630.3372,W,0.02,31.66,280511,,,A", "43"),
    ("GPGSV,3,1,11,10,63,137,17,07,61,098,15,05,59,290,20,08,54,157,30", "70"),
]


@pytest.mark.parametrize("body,expected", PUBLISHED)
def test_checksum_matches_published_nmea_sentences(body, expected):
    assert checksum(body) == expected


def test_checksum_of_the_worked_example_in_the_protocol_doc():
    # Worked by hand in docs/serial-protocol.md: R^A^T^E^,^1^,^1^,^1^7 = 0x28
    assert checksum("RATE,1,1,17") == "28"
    assert encode(Rate(1, 1, 17)) == b"$RATE,1,1,17*28\r\n"


@pytest.mark.parametrize("frame", [Rate(1, 1, 0), Rate(99, 9, 65535), Hello(7, "v2.1.0-rc1"), Heartbeat(3, 4294967295),
                                   Ack(12, 17), Rate(1, 2, 3, boot=0), Rate(1, 2, 3, boot=65535),
                                   Hello(7, "v2.1.0", boot=40213)])
def test_every_frame_survives_encoding_and_parsing(frame):
    assert parse_line(encode(frame)) == frame


def test_a_frame_of_protocol_1_0_has_no_boot_identifier_and_is_encoded_byte_for_byte_as_before():
    assert parse_line(b"$RATE,1,1,17*28\r\n").boot is None
    assert encode(Rate(1, 1, 17)) == b"$RATE,1,1,17*28\r\n"
    assert encode(Hello(1, "v1.0.3")) == b"$HELLO,1,v1.0.3*37\r\n"


def test_the_boot_identifier_is_the_last_field_of_rate_and_hello():
    assert parse_line(_framed("RATE,2,5,0,40213")) == Rate(2, 5, 0, boot=40213)
    assert parse_line(_framed("HELLO,2,v1.1.0,40213")) == Hello(2, "v1.1.0", boot=40213)


def test_a_line_ending_of_newline_alone_is_accepted():
    assert parse_line(b"$RATE,1,1,17*28\n") == Rate(1, 1, 17)


def test_a_lower_case_checksum_is_accepted():
    assert parse_line(b"$HELLO,1,A*" + checksum("HELLO,1,A").lower().encode() + b"\r\n") == Hello(1, "A")


def _framed(body: str) -> bytes:
    return b"$" + body.encode("latin-1") + b"*" + checksum(body.encode("latin-1")).encode() + b"\r\n"


@pytest.mark.parametrize("line,kind", [
    (b"$RATE,1,1,17*29\r\n", "checksum"),
    (_framed("VOTE,1,1,17"), "unknown_type"),
    (_framed("RATE,1,1"), "fields"),
    (_framed("RATE,1,1,17,0,0"), "fields"),
    (_framed("HELLO,1,fw,7,7"), "fields"),
    (_framed("HB,1,10,7"), "fields"),
    (_framed("RATE,1,1,17,65536"), "range"),
    (_framed("RATE,1,1,17,-1"), "fields"),
    (_framed("HELLO,1,fw,x"), "fields"),
    (_framed("RATE,0,1,17"), "range"),
    (_framed("RATE,100,1,17"), "range"),
    (_framed("RATE,1,0,17"), "range"),
    (_framed("RATE,1,10,17"), "range"),
    (_framed("RATE,1,1,65536"), "range"),
    (_framed("RATE,1,-1,17"), "fields"),
    (_framed("RATE,1, 1,17"), "fields"),
    (_framed("RATE,1,1,0x11"), "fields"),
    (_framed("HELLO,1,"), "fields"),
    (_framed("HELLO,1,tên"), "non_ascii"),
    (_framed("HB,1,4294967296"), "range"),
    (b"$RATE,1,1,17\r\n", "syntax"),
    (b"$RATE,1,1,17*2\r\n", "syntax"),
    (b"$RATE*1,1,17*28\r\n", "syntax"),
    (b"$" + b"RATE,1,1," + b"1" * 80 + b"*00\r\n", "oversize"),
])
def test_every_kind_of_invalid_frame_is_named(line, kind):
    with pytest.raises(FrameError) as err:
        parse_line(line)
    assert err.value.kind == kind


def test_the_splitter_handles_one_byte_at_a_time():
    data = encode(Rate(1, 2, 3)) + encode(Heartbeat(1, 10))
    splitter = FrameSplitter()
    out = [item for i in range(len(data)) for item in splitter.feed(data[i:i + 1])]
    assert out == [Rate(1, 2, 3), Heartbeat(1, 10)]


def test_the_splitter_reports_garbage_truncation_and_oversize_and_keeps_going():
    data = (b"noise\r\n" + b"$RATE,1,2" + encode(Rate(1, 1, 5)) + b"$" + b"X" * 100 + b"\r\n"
            + encode(Rate(1, 3, 6)))
    kinds = [item.kind if isinstance(item, FrameError) else item for item in FrameSplitter().feed(data)]
    assert kinds == ["garbage", "truncated", Rate(1, 1, 5), "oversize", Rate(1, 3, 6)]


def test_blank_lines_between_frames_are_not_garbage():
    assert list(FrameSplitter().feed(b"\r\n\n" + encode(Ack(1, 1)) + b"\r\n")) == [Ack(1, 1)]


def test_the_splitter_holds_at_most_one_frame_of_bytes():
    splitter = FrameSplitter()
    for _ in range(1000):
        list(splitter.feed(b"$" + b"A" * 50))
        list(splitter.feed(b"garbage without any end " * 10))
    assert len(splitter._buf) <= MAX_FRAME


frames = st.one_of(
    st.builds(Rate, st.integers(1, 99), st.integers(1, 9), st.integers(0, 65535)),
    st.builds(Hello, st.integers(1, 99), st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E,
                                                                exclude_characters="$*,"), min_size=1, max_size=20)),
    st.builds(Heartbeat, st.integers(1, 99), st.integers(0, 2**32 - 1)),
    st.builds(Ack, st.integers(1, 99), st.integers(0, 65535)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=120), frames), max_size=8), st.binary(max_size=120),
       st.lists(st.integers(1, 40), min_size=1, max_size=10))
def test_arbitrary_bytes_with_valid_frames_spliced_in_yield_exactly_those_frames(pieces, tail, chunk_sizes):
    data = b"".join(junk + encode(frame) for junk, frame in pieces) + tail
    splitter = FrameSplitter()
    got, i, k = [], 0, 0
    while i < len(data):  # feed in ragged chunks, as a serial port delivers
        n = chunk_sizes[k % len(chunk_sizes)]
        got += [item for item in splitter.feed(data[i:i + n]) if not isinstance(item, FrameError)]
        i, k = i + n, k + 1
    assert got == [frame for _, frame in pieces]


def test_every_worked_example_in_the_protocol_doc_is_a_valid_frame():
    import re
    from pathlib import Path
    doc = (Path(__file__).resolve().parent.parent / "docs" / "serial-protocol.md").read_text(encoding="utf-8")
    examples = re.findall(r"^\| `(\$[A-Z]+,[^`]*?)\\r\\n` \|", doc, flags=re.M)
    assert len(examples) == 7
    for example in examples:
        frame = parse_line(example.encode() + b"\r\n")
        assert encode(frame) == example.encode() + b"\r\n"
