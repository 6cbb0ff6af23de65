"""TensorBoard event files without TensorFlow: a TFRecord stream of ``Event`` protocol buffers.

Only what scalar and histogram summaries need is encoded, by hand (no protobuf dependency):

* TFRecord framing: ``uint64 length``, ``uint32 masked_crc32c(length)``, ``data``,
  ``uint32 masked_crc32c(data)``, all little-endian;
* ``Event {double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5}``;
* ``Summary {repeated Value value = 1}``, ``Value {string tag = 1; float simple_value = 2;
  HistogramProto histo = 5}``;
* ``HistogramProto {double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5;
  repeated double bucket_limit = 6 [packed]; repeated double bucket = 7 [packed]}``.

:func:`read_events` parses the same subset back (the tests use it; TensorBoard reads the files).
"""

from __future__ import annotations

import os
import socket
import struct
import time

import numpy as np

__all__ = ["EventFileWriter", "crc32c", "masked_crc32c", "read_events"]


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum of TFRecord framing."""
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---- protocol buffer encoding (the subset above) -----------------------------------------------

def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # int64 two's complement, as protobuf encodes negative int64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _bytes_field(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + _varint(len(payload)) + payload


def _histogram(values) -> bytes:
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        v = np.zeros(1)
    lo, hi = float(v.min()), float(v.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, 31)
    counts, _ = np.histogram(v, bins=edges)
    out = _key(1, 1) + struct.pack("<d", lo) + _key(2, 1) + struct.pack("<d", hi)
    out += _key(3, 1) + struct.pack("<d", float(v.size))
    out += _key(4, 1) + struct.pack("<d", float(v.sum()))
    out += _key(5, 1) + struct.pack("<d", float(np.dot(v, v)))
    out += _bytes_field(6, struct.pack(f"<{len(edges) - 1}d", *edges[1:]))
    out += _bytes_field(7, struct.pack(f"<{len(counts)}d", *counts.astype(np.float64)))
    return out


def _event(step: int, wall_time: float, *, version=None, values=()) -> bytes:
    out = _key(1, 1) + struct.pack("<d", wall_time) + _key(2, 0) + _varint(int(step))
    if version is not None:
        out += _bytes_field(3, version.encode())
    if values:
        summary = b"".join(_bytes_field(1, v) for v in values)
        out += _bytes_field(5, summary)
    return out


class EventFileWriter:
    """Appends events to ``<log_dir>/events.out.tfevents.<time>.<host>``, flushed per write
    (a crash loses at most the record being written; readers stop at a torn record)."""

    def __init__(self, log_dir):
        os.makedirs(log_dir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}"
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "ab")
        self._write(_event(0, time.time(), version="brain.Event:2"))

    def _write(self, data: bytes):
        header = struct.pack("<Q", len(data))
        self._file.write(header + struct.pack("<I", masked_crc32c(header)) + data +
                         struct.pack("<I", masked_crc32c(data)))
        self._file.flush()

    def scalars(self, step, values: dict):
        """One event holding ``{tag: number}`` as simple_value summaries."""
        encoded = [_bytes_field(1, tag.encode()) + _key(2, 5) + struct.pack("<f", float(v))
                   for tag, v in values.items()]
        if encoded:
            self._write(_event(step, time.time(), values=encoded))

    def histograms(self, step, values: dict):
        """One event holding ``{tag: array}`` as histogram summaries."""
        encoded = [_bytes_field(1, tag.encode()) + _bytes_field(5, _histogram(v))
                   for tag, v in values.items()]
        if encoded:
            self._write(_event(step, time.time(), values=encoded))

    def close(self):
        if not self._file.closed:
            self._file.close()


# ---- reading back (tests, and anyone without TensorBoard) ---------------------------------------

def _read_varint(buf, i):
    shift = n = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def _fields(buf):
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        elif wire == 2:
            n, i = _read_varint(buf, i)
            value, i = buf[i:i + n], i + n
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, value


def read_events(path):
    """``[{"step", "wall_time", "file_version", "scalars": {tag: v}, "histograms": {tag:
    {"min", "max", "num", "sum", "sum_squares", "bucket_limit", "bucket"}}}]`` from an event
    file; raises ValueError on a checksum mismatch; a torn last record ends the list."""
    with open(path, "rb") as f:
        data = f.read()
    events, i = [], 0
    while i + 12 <= len(data):
        header = data[i:i + 8]
        (n,) = struct.unpack("<Q", header)
        (crc,) = struct.unpack("<I", data[i + 8:i + 12])
        if crc != masked_crc32c(header):
            raise ValueError(f"{path}: bad length checksum at byte {i}")
        if i + 16 + n > len(data):
            break  # torn final record
        body = data[i + 12:i + 12 + n]
        (crc,) = struct.unpack("<I", data[i + 12 + n:i + 16 + n])
        if crc != masked_crc32c(body):
            raise ValueError(f"{path}: bad data checksum at byte {i}")
        i += 16 + n
        event = {"step": 0, "wall_time": 0.0, "file_version": None, "scalars": {},
                 "histograms": {}}
        for field, _, value in _fields(body):
            if field == 1:
                (event["wall_time"],) = struct.unpack("<d", value)
            elif field == 2:
                event["step"] = value
            elif field == 3:
                event["file_version"] = value.decode()
            elif field == 5:
                for _, _, v in _fields(value):
                    tag, simple, histo = None, None, None
                    for f2, _, x in _fields(v):
                        if f2 == 1:
                            tag = x.decode()
                        elif f2 == 2:
                            (simple,) = struct.unpack("<f", x)
                        elif f2 == 5:
                            histo = x
                    if simple is not None:
                        event["scalars"][tag] = simple
                    if histo is not None:
                        h = {}
                        names = {1: "min", 2: "max", 3: "num", 4: "sum", 5: "sum_squares"}
                        for f3, _, x in _fields(histo):
                            if f3 in names:
                                (h[names[f3]],) = struct.unpack("<d", x)
                            elif f3 in (6, 7):
                                key = "bucket_limit" if f3 == 6 else "bucket"
                                h[key] = list(struct.unpack(f"<{len(x) // 8}d", x))
                        event["histograms"][tag] = h
        events.append(event)
    return events
