/**
 * The ABI facts this module reads and writes, all taken from the manifest that
 * `zig build bindings` generates from zig/zerocopy/abi.zig: nothing here is typed by hand,
 * so a field moved in Zig moves here too.
 *
 * @module
 */

import { abiLayout } from "./symbols.ts";

/**
 * The `abi_version` of zig/zerocopy/abi.zig this module was generated from.
 *
 * @example Compare with what a library reports
 * ```ts
 * import { ABI_VERSION, openLibrary } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary(); // refuses a library of another ABI version
 * console.log(lib.symbols.zc_abi_version() === ABI_VERSION); // true
 * ```
 */
export const ABI_VERSION: number = abiLayout.abi_version;

/** Statuses of zig/zerocopy/abi.zig `Status`, by name. */
export const STATUS: typeof abiLayout.statuses = abiLayout.statuses;

/** Bytes of a descriptor (zig/zerocopy/abi.zig `Descriptor`). */
export const DESCRIPTOR_BYTES: number = abiLayout.structs.Descriptor.size;

/** Byte offset of each descriptor field. */
export const DescriptorOffset: typeof abiLayout.structs.Descriptor.fields =
  abiLayout.structs.Descriptor.fields;

/** Bytes of the counters `zc_stats` fills (zig/zerocopy/abi.zig `Stats`). */
export const STATS_BYTES: number = abiLayout.structs.Stats.size;

/** Byte offset of each counter. */
export const StatsOffset: typeof abiLayout.structs.Stats.fields = abiLayout.structs.Stats.fields;

/** The tag and byte size of each element type. */
export const ELEMENT_TAGS: typeof abiLayout.element_types = abiLayout.element_types;

/** Bytes per element of each element type. */
export const ELEMENT_SIZES: typeof abiLayout.element_sizes = abiLayout.element_sizes;

/** Bytes of a job (zig/zerocopy/job.zig `Job`): progress and cancellation shared with a long export. */
export const JOB_BYTES: number = abiLayout.structs.Job.size;

/** Byte offset of each job field. */
export const JobOffset: typeof abiLayout.structs.Job.fields = abiLayout.structs.Job.fields;
