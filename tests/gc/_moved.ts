// Shared by the GC suites that move a buffer's ArrayBuffer away with standard
// JavaScript, under either mapping.

import { assert } from "@std/assert";
import type { Demo } from "../../mod.ts";
import { expectedPattern, sameBytes } from "../_helpers.ts";
import { gc } from "./_collect.ts";
import { turn } from "../_turn.ts";

/** Elements of the moved buffers: 1 MB of f64, so that reading freed memory faults. */
export const MOVED_LENGTH = 1 << 17;

/** A moved view's ArrayBuffer, made by one of the standard ways of moving one. */
export type Move = (view: Float64Array<ArrayBuffer>) => Float64Array<ArrayBuffer>;

/** Generates a buffer inside a function and moves its view away, so its wrapper is garbage on return. */
export function movedOut(demo: Demo, move: Move): Float64Array<ArrayBuffer> {
  return move(demo.generate("f64", MOVED_LENGTH).view);
}

/** Collects garbage hard, then checks the moved view still holds what Zig wrote. */
export async function assertIntactAfterGc(view: Float64Array, why: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc!();
    await turn();
  }
  assert(sameBytes(view, expectedPattern("f64", MOVED_LENGTH)), why);
}
