"""The checksum zig/zerocopy/arrow/reader.zig computes (FNV-1a over a batch's logical values), over pyarrow's
own values, and the same batch exported with pyarrow's C Data exporter to zc_arrow_checksum: what the pyarrow
peers (tools/arrow_pyarrow_check.py, tools/arrow_pyarrow_types_check.py) compare."""

import ctypes
import struct

import pyarrow as pa

FNV_PRIME, MASK = 0x100000001B3, (1 << 64) - 1


def checksum(batch):
    """FNV-1a over logical values, as zig/zerocopy/arrow/reader.zig `checksum` defines it."""
    state = 0xCBF29CE484222325

    def feed(data):
        nonlocal state
        for b in data:
            state = ((state ^ b) * FNV_PRIME) & MASK

    def value(t, v):
        if pa.types.is_dictionary(t):
            return value(t.value_type, v)
        if v is None:
            return feed(b"\0")
        feed(b"\1")
        if pa.types.is_integer(t):
            feed(int(v).to_bytes(t.bit_width // 8, "little", signed=pa.types.is_signed_integer(t)))
        elif pa.types.is_floating(t):
            feed(struct.pack("<f" if t.bit_width == 32 else "<d", v))
        elif pa.types.is_boolean(t):
            feed(bytes([int(v)]))
        elif pa.types.is_decimal(t):
            feed(int(v.scaleb(t.scale)).to_bytes(t.byte_width, "little", signed=True))
        elif pa.types.is_interval(t):
            feed(struct.pack("<iiq", v.months, v.days, v.nanoseconds))
        elif t.id in INTEGERS:  # dates, times, timestamps, durations: their integers, cast beforehand
            feed(int(v).to_bytes(INTEGERS[t.id], "little", signed=True))
        elif pa.types.is_fixed_size_binary(t):
            feed(v)
        elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
            raw = v.encode() if isinstance(v, str) else v
            feed(len(raw).to_bytes(4, "little") + raw)
        elif pa.types.is_list(t) or pa.types.is_large_list(t):
            feed(len(v).to_bytes(4, "little"))
            for item in v:
                value(t.value_type, item)
        elif pa.types.is_fixed_size_list(t):
            for item in v:
                value(t.value_type, item)
        elif pa.types.is_struct(t):
            for i in range(t.num_fields):
                value(t.field(i).type, v[t.field(i).name])
        else:
            raise TypeError(t)

    for column in batch.columns:
        for v in integers(column).to_pylist():
            value(column.type, v)
    return state


INTEGERS = {pa.date32().id: 4, pa.date64().id: 8, pa.time32("s").id: 4, pa.time64("us").id: 8,
            pa.timestamp("s").id: 8, pa.duration("s").id: 8}


def integers(array):
    """Temporal values as their stored integers (to_pylist would round nanoseconds and shift dates)."""
    t = array.type
    if t.id in INTEGERS:
        return array.view(pa.int32() if INTEGERS[t.id] == 4 else pa.int64())
    return array


def checksum_in_zig(lib, batch):
    """(status, checksum) of zc_arrow_checksum over `batch` exported by pyarrow; the export is released."""
    schema = ctypes.create_string_buffer(72)
    array = ctypes.create_string_buffer(80)
    batch._export_to_c(ctypes.addressof(array), ctypes.addressof(schema))
    out = ctypes.c_uint64()
    status = lib.zc_arrow_checksum(schema, array, ctypes.byref(out))
    # Importing back and dropping runs the exporter's release callbacks.
    pa.RecordBatch._import_from_c(ctypes.addressof(array), ctypes.addressof(schema))
    return status, out.value
