/**
 * The FFI symbol table of libzerocopy, each parameter commented with its Zig type.
 *
 * @module
 */

/** Exports every zerocopy library has in every ABI version: read first, to check the rest. */
export const probeSymbols = {
  /** `fn () u32` */
  zc_abi_version: { parameters: [], result: "u32" },
  /** `fn () [*:0]const u8`: JSON manifest of every shared layout */
  zc_layout: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Exports that zig/zerocopy.zig `exportAbi()` adds to any library, ours or a Zig author's. */
export const abiSymbols = {
  ...probeSymbols,
  /** `fn (buffer: ?*Buffer) void`: frees once, then zeroes the descriptor */
  zc_release: { parameters: ["buffer"], result: "void" },
  /** `fn (out: ?*Stats) Status` */
  zc_stats: { parameters: ["buffer"], result: "i32" },
  /** `fn (element_type: u32, len: u64, out: ?*Buffer) Status`: zeroed memory from the default allocator */
  zc_allocate: { parameters: ["u32", "u64", "buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** `fn (len: u64, out: ?*Buffer) Status` */
const generator = { parameters: ["u64", "buffer"], result: "i32" } as const;

/** Everything libzerocopy exports (zig/root.zig). */
export const libzerocopySymbols = {
  ...abiSymbols,
  zc_generate_i8: generator,
  zc_generate_u8: generator,
  zc_generate_i16: generator,
  zc_generate_u16: generator,
  zc_generate_i32: generator,
  zc_generate_u32: generator,
  zc_generate_i64: generator,
  zc_generate_u64: generator,
  zc_generate_f32: generator,
  zc_generate_f64: generator,
  /** `fn (buffer: ?*const Buffer) u32`: FNV-1a of the bytes the descriptor covers */
  zc_checksum: { parameters: ["buffer"], result: "u32" },
  /** `fn (kind: u32, len: u64, out: ?*Buffer) Status`: f64 pattern from allocator `kind` (0 c, 1 page, 2 debug, 3 smp, 4 arena) */
  zc_generate_f64_with: { parameters: ["u32", "u64", "buffer"], result: "i32" },
  /** `fn (len: u64, out: ?*Buffer) Status`: f64 pattern handed over as an ArrayList, spare capacity included */
  zc_generate_f64_list: generator,
  /** `fn (values: ?[*]const f64, len: u32) f64`: sums a lent Float64Array */
  zc_sum_f64: { parameters: ["buffer", "u32"], result: "f64" },
  /** `fn (buffer: ?*const Buffer, ms: u32) f64`: sleeps, then sums; run nonblocking */
  zc_sum_f64_after: { parameters: ["buffer", "u32"], result: "f64", nonblocking: true },
  /** `fn (buffer: ?*Buffer) u32`: takes a given-back buffer, hashes and frees it */
  zc_consume: { parameters: ["buffer"], result: "u32" },
  /** `fn (buffer: ?*Buffer) Status`: takes a given-back buffer and keeps it */
  zc_keep: { parameters: ["buffer"], result: "i32" },
  /** `fn () u32`: frees what `zc_keep` kept; returns its length */
  zc_release_kept: { parameters: [], result: "u32" },
  /** `fn (len: u64, out: ?*Buffer) Status`: hands over `len` f64 with a null `ptr` (a bug the host must refuse) */
  zc_hand_over_null: generator,
  /** `fn (len: u64, out: ?*Buffer) Status`: hands over `len` f64 at an odd address (a bug the host must refuse) */
  zc_hand_over_misaligned: generator,
} as const satisfies Deno.ForeignLibraryInterface;
