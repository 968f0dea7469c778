// Columns of every type the package reads and lends beyond the first ones (dictionaries, dates, times,
// durations, decimals, intervals, binaries, lists), and the values zig/demo/demo_arrow_types.zig writes;
// tests/_arrow.ts `checksumBatch` is the checksum over them all.

import {
  Binary,
  type Data,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  DurationMicrosecond,
  DurationNanosecond,
  DurationSecond,
  Field,
  FixedSizeBinary,
  Int16,
  Int32,
  Int64,
  Int8,
  IntervalDayTime,
  IntervalMonthDayNano,
  IntervalYearMonth,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
  TimeSecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint8,
  Utf8,
  vectorFromArray,
} from "apache-arrow";

// deno-lint-ignore no-explicit-any
type AnyData = Data<any>;

const nullable = <T>(values: T[], every: number) => values.map((v, i) => (i % every === 1 ? null : v));

/** A bitmap with row `i` null when `i % every === 1`. */
function validity(rows: number, every: number): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(rows / 8));
  for (let i = 0; i < rows; i++) if (i % every !== 1) bitmap[i >> 3] |= 1 << (i & 7);
  return bitmap;
}

/** A fixed-width column of `rows` rows over `values`, every `every`th row from 1 null. */
function fixed(type: AnyData["type"], values: ArrayBufferView, rows: number, every = 5): AnyData {
  return makeData(
    { type, length: rows, nullCount: -1, nullBitmap: validity(rows, every), data: values } as never,
  );
}

/** Columns of every new type, `rows` rows each; `i` is the row. */
export function typesBatch(rows: number): RecordBatch {
  const ints = (n: number, f: (i: number) => number) => Int32Array.from({ length: n }, (_, i) => f(i));
  const bigs = (n: number, f: (i: number) => bigint) => BigInt64Array.from({ length: n }, (_, i) => f(i));
  const strings = Array.from({ length: rows }, (_, i) => ["red", "green", "", "blue é"][i % 4]);
  const columns: Record<string, AnyData> = {
    dict_i32: vectorFromArray(strings, new Dictionary(new Utf8(), new Int32())).data[0],
    dict_i8: vectorFromArray(nullable(strings, 6), new Dictionary(new Utf8(), new Int8())).data[0],
    dict_i16: vectorFromArray(strings, new Dictionary(new Utf8(), new Int16())).data[0],
    dict_i64: makeData({
      // apache-arrow's typings stop at int32 indices; the format allows int64 ones.
      type: new Dictionary(new Utf8(), new Int64() as never),
      length: rows,
      nullCount: -1,
      nullBitmap: validity(rows, 3),
      data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i % 4)),
      dictionary: vectorFromArray(["red", "green", "", "blue é"], new Utf8()),
    } as never),
    date32: fixed(new DateDay(), ints(rows, (i) => 19_000 + i), rows),
    date64: fixed(
      new DateMillisecond(),
      bigs(rows, (i) => 1_700_000_000_000n + BigInt(i) * 86_400_000n),
      rows,
    ),
    ts_s: fixed(new TimestampSecond("Europe/Paris"), bigs(rows, (i) => 1_700_000_000n + BigInt(i)), rows),
    ts_ms: fixed(new TimestampMillisecond(), bigs(rows, (i) => 1_700_000_000_000n + BigInt(i)), rows),
    ts_ns: fixed(
      new TimestampNanosecond("UTC"),
      bigs(rows, (i) => 1_700_000_000_000_000_000n + BigInt(i)),
      rows,
    ),
    time_s: fixed(new TimeSecond(), ints(rows, (i) => i % 86_400), rows),
    time_ms: fixed(new TimeMillisecond(), ints(rows, (i) => (i * 1000) % 86_400_000), rows),
    time_us: fixed(new TimeMicrosecond(), bigs(rows, (i) => BigInt(i) * 1_000_000n), rows),
    time_ns: fixed(new TimeNanosecond(), bigs(rows, (i) => BigInt(i) * 1_000_000_000n), rows),
    dur_s: fixed(new DurationSecond(), bigs(rows, (i) => BigInt(i - 3)), rows),
    dur_us: fixed(new DurationMicrosecond(), bigs(rows, (i) => BigInt(i) * 7n), rows),
    dur_ns: fixed(new DurationNanosecond(), bigs(rows, (i) => -BigInt(i)), rows),
    dec128: fixed(new Decimal(2, 10, 128), decimals(rows, 4), rows),
    dec256: fixed(new Decimal(4, 40, 256), decimals(rows, 8), rows),
    iv_ym: fixed(new IntervalYearMonth(), ints(rows, (i) => i - 2), rows),
    iv_dt: fixed(new IntervalDayTime(), ints(2 * rows, (i) => i * 3), rows),
    iv_mdn: fixed(new IntervalMonthDayNano(), intervalsMonthDayNano(rows), rows),
    fsb: fixed(new FixedSizeBinary(3), Uint8Array.from({ length: 3 * rows }, (_, i) => i % 251), rows),
    large_utf8: vectorFromArray(nullable(strings, 4), new LargeUtf8()).data[0],
    binary:
      vectorFromArray(nullable(strings.map((s) => new TextEncoder().encode(s)), 5), new Binary()).data[0],
    large_binary:
      vectorFromArray(strings.map((s) => new TextEncoder().encode(s + s)), new LargeBinary()).data[0],
    list: vectorFromArray(
      nullable(
        Array.from({ length: rows }, (_, i) => Array.from({ length: i % 4 }, (_, k) => i * 10 + k)),
        7,
      ),
      new List(new Field("item", new Int32(), true)),
    ).data[0],
    large_list: vectorFromArray(
      Array.from(
        { length: rows },
        (_, i) => nullable(Array.from({ length: i % 3 }, (_, k) => `${i}.${k}`), 2),
      ),
      new LargeList(new Field("item", new Utf8(), true)),
    ).data[0],
    list_of_dict: vectorFromArray(
      Array.from({ length: rows }, (_, i) => [strings[i], strings[(i + 1) % rows]]),
      new List(new Field("item", new Dictionary(new Utf8(), new Uint8()), true)),
    ).data[0],
  };
  const fields = Object.entries(columns).map(([name, data]) => new Field(name, data.type, true));
  const root = makeData({
    type: new Struct(fields),
    length: rows,
    nullCount: 0,
    children: Object.values(columns),
  });
  return new RecordBatch(new Schema(fields), root);
}

/** Decimals of `words` 32-bit words: i - 5 as two's complement, sign-extended. */
function decimals(rows: number, words: number): Uint32Array {
  const out = new Uint32Array(rows * words);
  for (let i = 0; i < rows; i++) {
    const v = (i - 5) * 12345;
    out[i * words] = v >>> 0;
    for (let w = 1; w < words; w++) out[i * words + w] = v < 0 ? 0xffffffff : 0;
  }
  return out;
}

function intervalsMonthDayNano(rows: number): Int32Array {
  const out = new Int32Array(rows * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < rows; i++) {
    view.setInt32(i * 16, i, true);
    view.setInt32(i * 16 + 4, -i, true);
    view.setBigInt64(i * 16 + 8, BigInt(i) * 1_000_000_007n, true);
  }
  return out;
}

const utf8 = new TextEncoder();
const WORDS = ["red", "green", "", "blue é"];

/** The value demo_arrow_types.zig writes at physical row `p`, as apache-arrow's `get` gives it. */
export function expected(column: string, p: number): unknown {
  const big = BigInt(p);
  switch (column) {
    case "dict8":
      return WORDS[p % 4];
    case "dict32":
      return WORDS[(p + 1) % 4];
    case "date32":
      return (19_000 + p) * 86_400_000;
    case "date64":
      return (19_000 + p) * 86_400_000;
    case "time32":
      return (p * 1000) % 86_400_000;
    case "time64":
      return (big * 1_000_000_007n) % 86_400_000_000_000n;
    case "duration":
      return big * 7n - 20n;
    case "large_utf8":
      return `L${p}`;
    case "binary":
      return [...utf8.encode(`b${p}`)];
    case "large_binary":
      return [...utf8.encode(`B${p}`)];
    case "fixed":
      return [0, 1, 2].map((k) => (p + k) % 251);
    case "list":
      return Array.from({ length: p % 4 }, (_, k) => p * 10 + k);
    case "large_list":
      return Array.from({ length: p % 3 }, (_, k) => `${p}.${k}`);
  }
  return undefined; // compared through the raw buffers below
}

export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (value !== null && typeof value === "object" && Symbol.iterator in value) {
    return [...(value as Iterable<unknown>)];
  }
  return value;
}
