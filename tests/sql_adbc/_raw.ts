// The zc_adbc_* exports called as the engine calls them, without the engine in
// between: for tests that need to see the statements alive over a connection,
// or to hand the exports what the engine never would.

import { assertEquals } from "@std/assert";
import { STATUS } from "../../src/abi/layout.ts";
import { abiLayout } from "../../src/abi/symbols.ts";
import { resolveDriver } from "../../src/sql/adbc/driver.ts";
import { library } from "./_drivers.ts";

export const HANDLE_AT = abiLayout.structs.StreamOut.fields.handle;
const encoder = new TextEncoder();
export const cString = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(`${text}\0`);

export interface Raw {
  zc_adbc_connect(...args: unknown[]): Promise<number>;
  zc_adbc_query(...args: unknown[]): Promise<number>;
  zc_adbc_ingest(...args: unknown[]): Promise<number>;
  zc_adbc_statements(connection: bigint): number | bigint;
  zc_adbc_close(connection: bigint): void;
  zc_arrow_stream_release(handle: bigint): void;
}
export const raw = library.symbols as unknown as Raw;

/** A StreamOut for a handle to be written to. */
export const newOut = (): Uint8Array<ArrayBuffer> => new Uint8Array(abiLayout.structs.StreamOut.size);
/** The handle a call wrote to `out`. */
export const handleIn = (out: Uint8Array<ArrayBuffer>): bigint =>
  new DataView(out.buffer).getBigUint64(HANDLE_AT, true);

/** `zc_adbc_connect` on exactly these bytes (`out` prefilled with 0xff): its status, handle and message. */
export async function connectWith(
  path: Uint8Array,
  entrypoint: Uint8Array,
  options: Uint8Array | null,
): Promise<{ status: number; handle: bigint; message: string }> {
  const message = new Uint8Array(1024);
  const out = newOut().fill(0xff);
  const status = await raw.zc_adbc_connect(
    path,
    BigInt(path.length),
    entrypoint,
    BigInt(entrypoint.length),
    options,
    BigInt(options?.length ?? 0),
    message,
    BigInt(message.length),
    out,
  );
  return {
    status,
    handle: handleIn(out),
    message: new TextDecoder().decode(message.subarray(0, message.indexOf(0))),
  };
}

/** A connection to SQLite in memory, by handle. */
export async function rawConnect(): Promise<bigint> {
  const file = await resolveDriver("sqlite", undefined);
  const { status, handle, message } = await connectWith(
    cString(file.path),
    cString(file.entrypoint),
    cString(`${file.uriOption}\0:memory:`),
  );
  assertEquals(status, STATUS.ok, message);
  return handle;
}

/** `sql`'s result stream, by handle. */
export function rawQuery(connection: bigint, sql: string): Promise<bigint> {
  const text = cString(sql);
  const message = new Uint8Array(1024);
  const out = newOut();
  return raw.zc_adbc_query(
    connection,
    text,
    BigInt(text.length),
    null,
    null,
    message,
    BigInt(message.length),
    out,
  )
    .then((status) => {
      assertEquals(status, STATUS.ok, new TextDecoder().decode(message));
      return handleIn(out);
    });
}

/** Statements alive over the connection (0 for anything but a live connection). */
export const statements = (connection: bigint): number => Number(raw.zc_adbc_statements(connection));
