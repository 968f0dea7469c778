/**
 * What every measured approach is, and the parameters the report and its
 * documentation share: no library is opened here, so bench/_docs.ts can import
 * it without FFI.
 *
 * @module
 */

import { type Size, SIZES } from "./_timing.ts";
import type { BenchLibrary } from "./_bench_library.ts";

/** One approach, ready to run at one size; dispose it to give back what it holds. */
export interface Prepared extends Disposable {
  /** One iteration of the approach. */
  run(): void;
}

/** One measured approach. */
export interface Case {
  /** Groups cases whose costs are compared with each other. */
  readonly group: "handover" | "approaches" | "lending";
  /** A stable key for the JSON results. */
  readonly key: string;
  /** What the report's table calls it. */
  readonly name: string;
  /** The sizes it runs at; others would not finish in reasonable time. */
  readonly sizes: readonly Size[];
  /** Buffers one run hands over, when more than one: the report gives the cost per buffer. */
  readonly perRun?: number;
  /** Sets the approach up at `size`, or returns undefined when this machine cannot. */
  prepare(lib: BenchLibrary, size: Size): Prepared | undefined;
}

/** The sizes up to and including `label`. */
export const upTo = (label: string): readonly Size[] =>
  SIZES.slice(0, SIZES.findIndex((s) => s.label === label) + 1);

/** Nothing here holds a resource beyond the pools, which the report frees at the end. */
export function prepared(run: () => void): Prepared {
  return { run, [Symbol.dispose]: () => {} };
}

/** Slices one batch call hands over. */
export const BATCH_SIZE = 64;

/** A stream through a ring, measured apart from the sizes: one slot size per case. */
export interface StreamCase {
  /** A stable key for the JSON results. */
  readonly key: string;
  /** What the report calls it. */
  readonly name: string;
  /** Bytes per slot: one packet or frame. */
  readonly slotBytes: number;
}

/** 8 KB packets and 1080p RGBA frames: the two streams. */
export const STREAMS: readonly StreamCase[] = [
  { key: "ring_packets", name: "8 KB packets", slotBytes: 8 * 1024 },
  { key: "ring_frames", name: "1080p RGBA frames", slotBytes: 1920 * 1080 * 4 },
];

/** Slots of each ring: Deno holds one at a time, Zig fills the next. */
export const RING_SLOTS = 4;
