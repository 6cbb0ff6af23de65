"""cuflow.utils.tfevents: CRC-32C against known answers, the TFRecord framing, torn tails and
corrupt records."""

from __future__ import annotations

import struct

import pytest

from cuflow.utils import tfevents


def test_crc32c_known_answers():
    # RFC 3720 (iSCSI) test vectors of CRC-32C
    assert tfevents.crc32c(b"123456789") == 0xE3069283
    assert tfevents.crc32c(bytes(32)) == 0x8A9136AA
    assert tfevents.crc32c(bytes([0xFF] * 32)) == 0x62A8AB43
    assert tfevents.crc32c(bytes(range(32))) == 0x46DD794E


def test_record_framing_and_a_torn_tail(tmp_path):
    w = tfevents.EventFileWriter(str(tmp_path))
    w.scalars(3, {"loss": 0.5, "acc": 1.0})
    w.close()
    data = open_bytes(w.path)
    (n,) = struct.unpack("<Q", data[:8])
    assert struct.unpack("<I", data[8:12])[0] == tfevents.masked_crc32c(data[:8])
    assert struct.unpack("<I", data[12 + n:16 + n])[0] == tfevents.masked_crc32c(data[12:12 + n])
    events = tfevents.read_events(w.path)
    assert events[0]["file_version"] == "brain.Event:2"
    assert events[1]["step"] == 3 and events[1]["scalars"] == {"loss": 0.5, "acc": 1.0}
    with open(w.path, "ab") as f:  # a record cut short by a crash is dropped, not misread
        f.write(data[:20])
    assert len(tfevents.read_events(w.path)) == 2
    corrupt = bytearray(data)
    corrupt[20] ^= 1
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(corrupt))
    with pytest.raises(ValueError, match="checksum"):
        tfevents.read_events(str(bad))


def open_bytes(path):
    with open(path, "rb") as f:
        return f.read()
