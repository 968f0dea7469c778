#!/usr/bin/env python3
"""pyarrow as the peer of the types SQL engines exchange: dictionaries, dates, times, timestamps, durations,
decimals, intervals, binaries and lists.

  1. imports every batch zc_arrow_demo_types hands over (with and without nulls, sliced, empty) with pyarrow's
     C Data importer, runs validate(full=True), compares every value with the generator's
     (zig/demo/demo_arrow_types.zig; tests/arrow_types_import_test.ts checks apache-arrow's reading against the
     same formulas), lends it back to zc_arrow_checksum and checks that pyarrow's release ran exactly once;
  2. exports batches pyarrow built of every such type (dictionaries with int8 to int64 indices, decimal256,
     nested lists of dictionaries, nulls, slices) to zc_arrow_checksum, which must give the checksum computed
     here over pyarrow's own values, and checks that lying ones are refused.

Usage: arrow_pyarrow_types_check.py [path/to/libzerocopy.so] [rows]
"""

import ctypes
import datetime
import decimal
import gc
import json
import sys

import pyarrow as pa

from arrow_pyarrow_check import open_library, stats
from arrow_pyarrow_checksum import checksum, checksum_in_zig as to_zig

WITH_NULLS, SLICED = 1, 2
WORDS = ["red", "green", "", "blue é"]


def expected(column, p, nulls):
    """The value demo_arrow_types.zig writes at physical row p, as pyarrow's to_pylist gives it."""
    if nulls and p % 4 == 1:
        return None
    epoch = datetime.date(1970, 1, 1)
    values = {
        "dict8": lambda: WORDS[p % 4],
        "dict32": lambda: WORDS[(p + 1) % 4],
        "date32": lambda: epoch + datetime.timedelta(days=19_000 + p),
        "date64": lambda: epoch + datetime.timedelta(days=19_000 + p),
        "time32": lambda: (p * 1000) % 86_400_000,
        "time64": lambda: (p * 1_000_000_007) % 86_400_000_000_000,
        "duration": lambda: p * 7 - 20,
        "ts_ns": lambda: 1_700_000_000_000_000_000 + p,
        "decimal": lambda: decimal.Decimal((p - 5) * 12345).scaleb(-2),
        "interval": lambda: pa.MonthDayNano([p, -p, p * 1_000_000_007]),
        "fixed": lambda: bytes((p + k) % 251 for k in range(3)),
        "large_utf8": lambda: f"L{p}",
        "binary": lambda: f"b{p}".encode(),
        "large_binary": lambda: f"B{p}".encode(),
        "list": lambda: [p * 10 + k for k in range(p % 4)],
        "large_list": lambda: [f"{p}.{k}" for k in range(p % 3)],
    }
    return values[column]()


RAW = {"time32": pa.int32(), "time64": pa.int64(), "duration": pa.int64(), "ts_ns": pa.int64()}


def plain(name, array):
    """to_pylist, with times, durations and timestamps as their raw integers."""
    if name in RAW:
        array = array.cast(RAW[name])
    return array.to_pylist()


def from_zig(lib, rows):
    lib.zc_arrow_demo_types.argtypes = [ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p]
    checked = 0
    for options in (0, WITH_NULLS, SLICED, WITH_NULLS | SLICED):
        for n in (0, 1, 37, rows):
            before = stats(lib)
            descriptor = ctypes.create_string_buffer(48)
            schema = ctypes.create_string_buffer(72)
            array = ctypes.create_string_buffer(80)
            assert lib.zc_arrow_demo_types(n, options, descriptor) == 0
            assert lib.zc_arrow_move(descriptor, schema, array) == 0
            batch = pa.RecordBatch._import_from_c(ctypes.addressof(array), ctypes.addressof(schema))
            batch.validate(full=True)
            shift = 3 if options & SLICED else 0
            nulls = options & WITH_NULLS != 0
            assert batch.num_rows == n
            for name in batch.schema.names:
                got = plain(name, batch.column(name))
                want = [expected(name, row + shift, nulls) for row in range(n)]
                assert got == want, f"{name} (options {options}, {n} rows): first difference at " + str(
                    next(i for i, (a, b) in enumerate(zip(got, want)) if a != b))
                checked += n
            types = {f.name: f.type for f in batch.schema}
            assert types["dict8"] == pa.dictionary(pa.int8(), pa.string())
            assert types["decimal"] == pa.decimal128(10, 2)
            assert types["ts_ns"] == pa.timestamp("ns", tz="Europe/Paris")
            assert types["interval"] == pa.month_day_nano_interval()
            assert types["large_list"] == pa.large_list(pa.field("item", pa.string()))
            status, value = to_zig(lib, batch)
            assert status == 0 and value == checksum(batch), f"checksum of the types batch (options {options}, {n} rows)"
            del batch
            gc.collect()
            after = stats(lib)
            assert after.live_buffers == before.live_buffers and after.live_bytes == before.live_bytes
            assert after.total_released == before.total_released + 1, "released exactly once"
    return checked


def from_pyarrow(lib):
    n = 60
    nulls = lambda values, every: [None if i % every == 1 else v for i, v in enumerate(values)]
    words = [WORDS[i % 4] for i in range(n)]
    columns = {}
    for index in (pa.int8(), pa.int16(), pa.int32(), pa.int64()):
        columns[f"dict_{index}"] = pa.array(nulls(words, 5), pa.string()).dictionary_encode().cast(
            pa.dictionary(index, pa.string()))
    columns["date32"] = pa.array(nulls(list(range(n)), 4), pa.int32()).cast(pa.date32())
    columns["date64"] = pa.array(nulls([i * 86_400_000 for i in range(n)], 4), pa.int64()).cast(pa.date64())
    for unit in ("s", "ms"):
        columns["time32_" + unit] = pa.array(nulls(list(range(n)), 6), pa.int32()).cast(pa.time32(unit))
    for unit in ("us", "ns"):
        columns["time64_" + unit] = pa.array(nulls([i * 999 for i in range(n)], 6), pa.int64()).cast(pa.time64(unit))
    for unit in ("s", "ms", "us", "ns"):
        columns["ts_" + unit] = pa.array(nulls(list(range(n)), 7), pa.int64()).cast(pa.timestamp(unit, tz="UTC" if unit == "ms" else None))
        columns["dur_" + unit] = pa.array(nulls([i - 30 for i in range(n)], 7), pa.int64()).cast(pa.duration(unit))
    columns["dec128"] = pa.array(nulls([decimal.Decimal(i * 1001 - 7000).scaleb(-3) for i in range(n)], 3), pa.decimal128(12, 3))
    columns["dec256"] = pa.array(nulls([decimal.Decimal(10**45 + i).scaleb(-2) for i in range(n)], 3), pa.decimal256(60, 2))
    columns["interval"] = pa.array(nulls([pa.MonthDayNano([i, -i, i * 10**9]) for i in range(n)], 5), pa.month_day_nano_interval())
    columns["fsb"] = pa.array(nulls([bytes([i % 256] * 5) for i in range(n)], 8), pa.binary(5))
    columns["large_utf8"] = pa.array(nulls([w * (i % 3) for i, w in enumerate(words)], 2), pa.large_string())
    columns["binary"] = pa.array(nulls([w.encode() for w in words], 9), pa.binary())
    columns["large_binary"] = pa.array(nulls([bytes(range(i % 7)) for i in range(n)], 9), pa.large_binary())
    columns["list"] = pa.array(nulls([list(range(i % 5)) for i in range(n)], 4), pa.list_(pa.int64()))
    columns["large_list"] = pa.array(nulls([[w] * (i % 3) for i, w in enumerate(words)], 4), pa.large_list(pa.string()))
    columns["list_of_dict"] = pa.ListArray.from_arrays(
        pa.array([i * 2 for i in range(n + 1)], pa.int32()),
        pa.array([WORDS[i % 4] for i in range(2 * n)]).dictionary_encode())
    columns["list_of_list"] = pa.array([[[i], [], [i, i + 1]] if i % 3 else None for i in range(n)], pa.list_(pa.list_(pa.int16())))
    batch = pa.RecordBatch.from_pydict(columns)
    cases = [batch, batch.slice(3, 30), batch.slice(13), batch.slice(7, 0), batch.slice(0, 1)]
    for case in cases:
        case.validate(full=True)
        for name in case.schema.names:  # one column at a time, so that a difference names its column
            one = pa.RecordBatch.from_arrays([case.column(name)], names=[name])
            status, value = to_zig(lib, one)
            assert status == 0, f"zc_arrow_checksum refused {one.schema}"
            assert value == checksum(one), f"checksum of {name} differs ({case.num_rows} rows)"
        status, value = to_zig(lib, case)
        assert status == 0 and value == checksum(case)
    # A list whose last offset passes its items: its child's length shortened in the exported structs.
    lists = pa.RecordBatch.from_arrays([pa.array([[1, 2], [3] * 7], pa.list_(pa.int32()))], names=["l"])
    schema = ctypes.create_string_buffer(72)
    array = ctypes.create_string_buffer(80)
    lists._export_to_c(ctypes.addressof(array), ctypes.addressof(schema))
    children = ctypes.cast(ctypes.c_void_p.from_address(ctypes.addressof(array) + 48).value, ctypes.POINTER(ctypes.c_void_p))
    column = ctypes.cast(children[0] + 48, ctypes.POINTER(ctypes.c_void_p)).contents.value
    items = ctypes.cast(column, ctypes.POINTER(ctypes.c_void_p))[0]
    ctypes.c_int64.from_address(items).value = 3  # the items' length: 3 of the 9 the offsets span
    out = ctypes.c_uint64()
    status = lib.zc_arrow_checksum(schema, array, ctypes.byref(out))
    ctypes.c_int64.from_address(items).value = 9
    pa.RecordBatch._import_from_c(ctypes.addressof(array), ctypes.addressof(schema))
    assert status != 0, "a list whose offsets pass its items must be refused"
    return len(cases) * len(columns), cases


def through_deno(directory, rows, cases):
    """Zig's batch as Deno imported it (tools/arrow_pyarrow_deno.ts write), compared with the formulas; the
    pyarrow batches written for Deno to lend to Zig (tools/arrow_pyarrow_deno.ts read), with their checksums."""
    with pa.ipc.open_stream(f"{directory}/zig.arrows") as stream:
        table = stream.read_all()
    assert table.num_rows == rows
    for name in table.schema.names:
        got = plain(name, table.column(name).combine_chunks())
        want = [expected(name, row + 3, True) for row in range(rows)]
        assert got == want, f"{name} through Deno: first difference at " + str(
            next(i for i, (a, b) in enumerate(zip(got, want)) if a != b))
    with pa.ipc.new_stream(f"{directory}/pyarrow.arrows", cases[0].schema) as writer:
        for case in cases:
            writer.write_batch(case)
    with open(f"{directory}/pyarrow.json", "w") as out:
        json.dump([str(checksum(case)) for case in cases], out)
    return table.num_rows * table.num_columns


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--ipc-dir=")]
    ipc = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--ipc-dir=")]
    path = args[0] if args else "zig-out/lib/libzerocopy.so"
    rows = int(args[1]) if len(args) > 1 else 2000
    lib = open_library(path)
    start = stats(lib)
    values = from_zig(lib, rows)
    columns, cases = from_pyarrow(lib)
    end = stats(lib)
    assert end.live_buffers == start.live_buffers and end.live_bytes == start.live_bytes
    print(f"pyarrow {pa.__version__}: {values} values of 16 types batches from Zig equal, validated and released once; "
          f"{columns} pyarrow columns of the new types checksummed alike in Zig; a lying list refused ({path})")
    if ipc:
        deno_values = through_deno(ipc[0], rows, cases)
        print(f"pyarrow {pa.__version__}: {deno_values} values of Zig's types batch as Deno imported it equal; "
              f"{len(cases)} pyarrow batches written for Deno to lend to Zig")


if __name__ == "__main__":
    main()
