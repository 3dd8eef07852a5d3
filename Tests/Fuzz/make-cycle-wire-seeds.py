#!/usr/bin/env python3
"""Writes the seeds of scripts/fuzz.sh cycle-wire (Tests/Fuzz/corpus/cycle-wire): ReportCyclesRequest
and ReportCycleBatchRequest messages (both `repeated CycleRecord cycles = 1`, Protos/workcell) encoded
by hand, field numbers as in common.proto: well-formed batches, a record sent in two parts, unknown
fields and a group, edge values. Run from anywhere; it needs no protobuf package."""
import pathlib
import struct

out = pathlib.Path(__file__).resolve().parent / "corpus" / "cycle-wire"


def varint(value):
    value &= (1 << 64) - 1
    encoded = b""
    while value >= 0x80:
        encoded += bytes([value & 0x7F | 0x80])
        value >>= 7
    return encoded + bytes([value])


def key(field, wire):
    return varint(field << 3 | wire)


def length_delimited(field, body):
    return key(field, 2) + varint(len(body)) + body


def text(field, value):
    return length_delimited(field, value.encode())


def number(field, value):
    return key(field, 0) + varint(value)


def double(field, value):
    return key(field, 1) + struct.pack("<d", value)


def timestamp(seconds, nanos=0):
    return (number(1, seconds) if seconds else b"") + (number(2, nanos) if nanos else b"")


def record(index, outcome=1, failure=0, steps=True, torque=True):
    started = 1_795_586_400 + index * 76
    body = text(1, "6f1c0e52-1d3a-4c1e-9a57-%012d" % index) + text(2, "augsburg") + text(3, "door-line-1")
    body += text(4, "cell-01") + text(5, "cell-01-left") + text(6, "nut_install") + text(7, "WDB9066331S%06d" % index)
    body += length_delimited(8, timestamp(started, 123_000_000)) + length_delimited(9, timestamp(started + 68, 456_000_000))
    body += number(10, 68_333) + number(11, outcome) + number(12, 1 if outcome == 1 else 3)
    if failure:
        body += number(13, failure)
    if torque:
        body += double(14, 12.5) + double(15, 87.25)
    body += text(16, "act-2026-11-20-a") + number(17, 76_000)
    if steps:
        for step in (1, 2, 3):
            body += length_delimited(
                18, number(1, step) + length_delimited(2, timestamp(started + step * 10)) + number(3, 1_500) + number(4, 1))
    return body


seeds = {
    "one-ok": length_delimited(1, record(1)),
    "batch-three": length_delimited(1, record(1)) + length_delimited(1, record(2, outcome=2, failure=2, steps=False))
    + length_delimited(1, record(3, outcome=3, failure=5, torque=False)),
    "empty-record": length_delimited(1, b""),
    # Protobuf merges the parts: the last cell wins, ended_at's nanos join its seconds.
    "merged-record": length_delimited(1, record(4, steps=False) + length_delimited(9, timestamp(0, 5_000_000)) + text(4, "cell-02")),
    # An unknown varint, fixed32 and group, cell as a varint (so unknown), then an unknown request field.
    "unknown-fields": length_delimited(
        1, text(4, "c1") + number(99, 300) + key(99, 5) + b"\x01\x02\x03\x04" + key(99, 3) + number(5, 1) + key(99, 4)
        + key(4, 0) + b"\x07") + number(2, 1),
    # Non-ASCII and long text, a timestamp out of range, unrecognized enum numbers, NaN torque.
    "edge-values": length_delimited(
        1, text(4, "Zelle-Ä-東京-🚗") + text(7, "x" * 250) + length_delimited(8, timestamp(-62_135_596_801, 1_000_000_000))
        + number(11, 7) + number(13, (1 << 64) - 1) + double(14, float("nan"))),
}
out.mkdir(parents=True, exist_ok=True)
for name, data in seeds.items():
    (out / name).write_bytes(data)
