#!/usr/bin/env python3
"""pyarrow as an independent peer of zerocopy's Arrow C Data Interface.

Loads libzerocopy with ctypes, and:
  1. imports every demo batch Zig hands over (every type, with and without nulls, sliced, empty) with pyarrow's
     C Data importer, runs validate(full=True), compares every value with the generator's (the same formulas
     tests/_arrow.ts checks apache-arrow's reading against), and checks that pyarrow's release ran exactly once
     (zc_stats: live buffers and bytes back to where they were, one release per batch);
  2. exports batches pyarrow built (nulls, slices with offsets, empty strings, every supported type, an empty
     batch) to zc_arrow_checksum, which must give the checksum computed here over pyarrow's own values.

Usage: arrow_pyarrow_check.py [path/to/libzerocopy.so] [rows]
"""

import ctypes
import json
import gc
import sys

import pyarrow as pa

from arrow_pyarrow_checksum import checksum, checksum_in_zig

WITH_NULLS, SLICED = 1, 2


class Stats(ctypes.Structure):
    _fields_ = [("live_buffers", ctypes.c_uint64), ("live_bytes", ctypes.c_uint64),
                ("total_handed_over", ctypes.c_uint64), ("total_released", ctypes.c_uint64),
                ("releasing_buffers", ctypes.c_uint64), ("releasing_bytes", ctypes.c_uint64),
                ("background_released", ctypes.c_uint64)]


def open_library(path):
    lib = ctypes.CDLL(path)
    lib.zc_arrow_demo_batch.argtypes = [ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p]
    lib.zc_arrow_move.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.zc_arrow_checksum.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64)]
    lib.zc_stats.argtypes = [ctypes.POINTER(Stats)]
    # zc_stats writes the whole struct: a layout of another size would write past this one.
    lib.zc_layout.restype = ctypes.c_char_p
    layout = json.loads(lib.zc_layout())
    size = layout["structs"]["Stats"]["size"]
    assert ctypes.sizeof(Stats) == size, f"Stats is {size} bytes in the library, {ctypes.sizeof(Stats)} here"
    return lib


def stats(lib):
    s = Stats()
    assert lib.zc_stats(ctypes.byref(s)) == 0
    return s


def expected(column, p, nulls):
    """The value zig/demo/demo_arrow.zig writes at physical row p, as pyarrow's to_pylist gives it."""
    if nulls and p % 4 == 1:
        return None
    integer = p * 37 + 1
    widths = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "u8": 8, "u16": 16, "u32": 32, "u64": 64}
    if column in widths:
        bits = widths[column]
        value = integer % (1 << bits)
        if column[0] == "i" and value >= 1 << (bits - 1):
            value -= 1 << bits
        return value
    if column == "f32":
        return p * 0.25
    if column == "f64":
        return p * 0.5 - 3
    if column == "bool":
        return p % 3 == 0
    if column == "utf8":
        return "" if p % 5 == 4 else f"r{p}"
    if column == "ts":
        return 1_700_000_000_000_000 + p * 1000
    if column == "vec":
        return [None if nulls and (p * 4 + k) % 11 == 3 else (p * 4 + k) * 0.5 for k in range(4)]
    if column == "point":
        return {"x": None if nulls and p % 5 == 2 else p % (1 << 30), "y": f"s{p % 7}"}
    raise KeyError(column)


def values_of(array):
    """to_pylist, with timestamps as their raw integers."""
    if pa.types.is_timestamp(array.type):
        array = array.cast(pa.int64())
    return array.to_pylist()


def from_zig(lib, rows):
    checked = 0
    for options in (0, WITH_NULLS, SLICED, WITH_NULLS | SLICED):
        for n in (0, 1, 37, rows):
            before = stats(lib)
            descriptor = ctypes.create_string_buffer(48)
            schema = ctypes.create_string_buffer(72)
            array = ctypes.create_string_buffer(80)
            assert lib.zc_arrow_demo_batch(n, options, descriptor) == 0
            assert stats(lib).live_buffers == before.live_buffers + 1
            assert lib.zc_arrow_move(descriptor, schema, array) == 0
            assert descriptor.raw == bytes(48), "zc_arrow_move must leave the descriptor released"
            batch = pa.RecordBatch._import_from_c(ctypes.addressof(array), ctypes.addressof(schema))
            batch.validate(full=True)
            nulls = options & WITH_NULLS != 0
            shift = 3 if options & SLICED else 0
            assert batch.num_rows == n
            for name in batch.schema.names:
                got = values_of(batch.column(name))
                want = [expected(name, row + shift, nulls) for row in range(n)]
                assert got == want, f"{name} (options {options}, {n} rows): first difference at " + str(
                    next(i for i, (a, b) in enumerate(zip(got, want)) if a != b))
                checked += n
            assert batch.schema.field("ts").type == pa.timestamp("us", tz="UTC")
            assert batch.schema.field("vec").type.list_size == 4
            # Zig's checksum of the same batch, lent back through pyarrow's exporter.
            assert to_zig(lib, batch) == checksum(batch)
            del batch
            gc.collect()
            after = stats(lib)
            assert after.live_buffers == before.live_buffers, "pyarrow's release must free the batch"
            assert after.live_bytes == before.live_bytes
            assert after.total_released == before.total_released + 1, "released exactly once"
    return checked


def to_zig(lib, batch):
    """zc_arrow_checksum over a batch pyarrow exports, which it must accept."""
    status, value = checksum_in_zig(lib, batch)
    assert status == 0, f"zc_arrow_checksum refused {batch.schema}"
    return value


def from_pyarrow(lib):
    n = 50
    nulls = lambda values, every: [None if i % every == 1 else v for i, v in enumerate(values)]
    columns = {}
    for t in (pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()):
        low = -(1 << (t.bit_width - 1)) if pa.types.is_signed_integer(t) else 0
        columns[str(t)] = pa.array(nulls([low + i * 3 for i in range(n)], 4), t)
    columns["f32"] = pa.array(nulls([i / 8 for i in range(n)], 5), pa.float32())
    columns["f64"] = pa.array(nulls([i * 1.5 - 7 for i in range(n)], 6), pa.float64())
    columns["bool"] = pa.array(nulls([i % 3 == 0 for i in range(n)], 7), pa.bool_())
    columns["utf8"] = pa.array(nulls(["" if i % 4 == 0 else "é" * (i % 5) for i in range(n)], 3), pa.string())
    for unit in ("s", "ms", "us", "ns"):
        columns["ts_" + unit] = pa.array(nulls(list(range(n)), 9), pa.timestamp(unit, tz="Europe/Paris" if unit == "s" else None))
    items = pa.array(nulls([float(i) for i in range(3 * n)], 8), pa.float32())
    columns["vec"] = pa.FixedSizeListArray.from_arrays(items, 3, mask=pa.array([i % 10 == 2 for i in range(n)]))
    columns["point"] = pa.StructArray.from_arrays(
        [pa.array(nulls(list(range(n)), 2), pa.int32()), pa.array([f"p{i}" for i in range(n)])], names=["x", "y"],
        mask=pa.array([i % 9 == 4 for i in range(n)]))
    batch = pa.RecordBatch.from_pydict(columns)
    cases = [batch, batch.slice(3, 30), batch.slice(13), batch.slice(7, 0), batch.slice(0, 1)]
    # Children sliced on their own, below a parent that is sliced too.
    cases.append(pa.RecordBatch.from_arrays([columns["point"].slice(5, 41), columns["utf8"].slice(9, 41)], names=["p", "u"]).slice(2))
    for case in cases:
        case.validate(full=True)
        assert to_zig(lib, case) == checksum(case), f"checksum differs for {case.num_rows} rows"
    refused = pa.RecordBatch.from_pydict({"h": pa.array([1.5], pa.float16())})
    schema = ctypes.create_string_buffer(72)
    array = ctypes.create_string_buffer(80)
    refused._export_to_c(ctypes.addressof(array), ctypes.addressof(schema))
    out = ctypes.c_uint64()
    assert lib.zc_arrow_checksum(schema, array, ctypes.byref(out)) != 0, "float16 must be refused"
    pa.RecordBatch._import_from_c(ctypes.addressof(array), ctypes.addressof(schema))
    return len(cases)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "zig-out/lib/libzerocopy.so"
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    lib = open_library(path)
    start = stats(lib)
    values = from_zig(lib, rows)
    cases = from_pyarrow(lib)
    end = stats(lib)
    assert end.live_buffers == start.live_buffers and end.live_bytes == start.live_bytes
    print(f"pyarrow {pa.__version__}: {values} values of 16 batches from Zig equal, validated and released once; "
          f"{cases} pyarrow batches checksummed alike in Zig; float16 refused ({path})")


if __name__ == "__main__":
    main()
