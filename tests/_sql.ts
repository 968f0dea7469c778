// What the SQL suites share: an error's code checked, and a query's rows as plain objects.

import { assert, assertEquals } from "@std/assert";
import { ZeroCopyError } from "../mod.ts";
import type { Connection } from "../sql.ts";

/** `error` is a `ZeroCopyError` of `code`. */
export function assertErrorCode(error: unknown, code: string): void {
  assert(error instanceof ZeroCopyError, `expected a ZeroCopyError, got ${error}`);
  assertEquals(error.code, code);
}

/** The rows `sql` answers, each a plain object; the result is disposed. */
export async function rows(conn: Connection, sql: string): Promise<Record<string, unknown>[]> {
  using result = await conn.query(sql);
  return [...result.table].map((row) => ({ ...row.toJSON() }));
}

/** The first row `sql` answers, as a plain object; the result is disposed. */
export async function one(conn: Connection, sql: string): Promise<Record<string, unknown>> {
  using result = await conn.query(sql);
  return result.table.get(0)!.toJSON();
}
