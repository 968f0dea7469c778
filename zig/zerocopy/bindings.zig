//! Writes the TypeScript side of a library from its Zig exports, by comptime
//! reflection: the `Deno.dlopen` symbol table, typed wrappers, and (for
//! zerocopy itself) the ABI layouts. Nothing is hand-synced, so TypeScript and
//! Zig cannot disagree; CI regenerates the file and fails when it is stale.
//!
//! Keep a library's exports in a namespace (`pub const exports = struct { ... }`,
//! exported with `zerocopy.exportAll`) and describe the module to generate with
//! `pub const bindings: zerocopy.bindings.Spec` in its root file.
//!
//! What a wrapper looks like, by the Zig types of its export:
//! - `?*zerocopy.Out(T)`: not a parameter; the wrapper returns a `ZeroCopyBuffer<T>`,
//!   shaped by `exports.shapes.<name>` when that is declared.
//! - `?[*]const T` (T an element type): a `LentArrayOf[T]` (any TypedArray of T,
//!   whatever memory backs it, as Deno passes it) lent for the call;
//!   the integer parameter right after it is its length, filled from `.length`
//!   (`Spec.hidden_lengths`).
//! - `u8`…`u32`, `i8`…`i32`, `f32`, `f64`: `number`; an integer argument must
//!   fit its type, else a ZeroCopyError before the call. `u64`, `i64`, `usize`,
//!   `isize`: a parameter takes `number | bigint` (a number must be a safe
//!   integer, either must fit the type, else a ZeroCopyError before the call);
//!   a result is a `bigint`, since the type's range is wider than a number's.
//! - `f32`, `f64`, `bool`: a `number` or `boolean`, else a ZeroCopyError before the call.
//! - `*T`, `?*T` (any other T): a `BufferSource` (or null for `?*T`) that the
//!   wrapper gates (`gateMemory`) for `@sizeOf(T)` bytes at the pointer's
//!   alignment, fixed in length and not detached, else a ZeroCopyError.
//! - Any other pointer (`[*:0]T`, `*opaque`, ...): a `PointerValue` (zerocopy's
//!   name for the runtime's pointer object) passed as is; only the runtime's
//!   unsafe pointer API or an export's pointer result makes one, and the JSDoc says so.
//! - `zerocopy.Status` result: nothing, or a thrown ZeroCopyError.
//! - `?*zerocopy.RecordOut(T)` (T an `extern struct` of element types): not a
//!   parameter; the wrapper returns a `RecordView` typed by the generated
//!   `<T>Layout`, which `bind` checks against the library's `zc_record_layouts`.
//! - `?*zerocopy.Job`: not a parameter; a nonblocking wrapper passes memory it
//!   polls for `onProgress` and flags on abort, a synchronous one null.
//! - An export listed in `nonblocking`: the wrapper returns a Promise of the
//!   same result, takes a `ZeroCopyBuffer` (pinned for the call) where the
//!   synchronous one takes a descriptor, and a last `NonblockingOptions`.
//! The output is what `deno fmt` writes, at its default line width and wider.

const signature = @import("bindings/signature.zig");
const typescript = @import("bindings/typescript.zig");

/// How one export crosses the boundary, worked out once for every writer.
pub const Signature = signature.Signature;
pub const Param = signature.Param;
pub const Kind = signature.Kind;
pub const Into = signature.Into;
pub const Dim = signature.Dim;
pub const Rules = signature.Rules;
pub const analyse = signature.analyse;
/// Writing the TypeScript module, and comparing it with a committed one.
pub const write = typescript.write;
pub const Difference = typescript.Difference;
pub const firstDifference = typescript.firstDifference;

/// One symbol table in the generated module.
pub const Group = struct {
    /// The TypeScript name of the table, e.g. `symbols`.
    name: []const u8,
    /// The namespace whose public functions are exported under their own names.
    exports: type,
    /// Another group's name whose symbols this one includes (spread first).
    extends: ?[]const u8 = null,
};

/// What to generate for a library.
pub const Spec = struct {
    groups: []const Group,
    /// Where the generated module imports zerocopy's TypeScript API from; by
    /// default `jsr:@zerocopy/zerocopy@^<version>`, the version of the zerocopy
    /// package the library is built with, so an ABI change cannot pair old
    /// bindings with a new module.
    import_from: ?[]const u8 = null,
    /// Where wrappers of exports that take or hand over an Arrow batch import
    /// the `./arrow` subpath from; by default derived from `import_from`
    /// (`arrow.ts` beside a `mod.ts`, else `<import_from>/arrow`). Nothing
    /// imports it when no export uses a batch.
    arrow_from: ?[]const u8 = null,
    /// Whether wrappers turn an Arrow batch parameter pair into one apache-arrow
    /// `RecordBatch | Table` parameter and a `*zerocopy.arrow.RecordBatchOut` into a
    /// returned `ArrowBatch`. False, for a module that must not depend on
    /// apache-arrow, returns a handed-over batch as its bytes (a
    /// `ZeroCopyBuffer<"u8">`) and makes an export that takes a batch a compile
    /// error: its structs as bytes would let any bytes be followed as pointers.
    arrow_wrappers: bool = true,
    /// Which parameters the wrappers fill from a lent array's length instead
    /// of taking them from the caller.
    hidden_lengths: HiddenLengths = .after_lent_array,
    /// Lengths named explicitly, by function: for a function listed here these
    /// replace `hidden_lengths`, e.g. `.{ .function = "blend", .length = "count", .array = "pixels" }`.
    lengths: []const Length = &.{},
    /// Write typed wrappers (`bind`, `open`) over the last group.
    wrappers: bool = true,
    /// Import the groups' symbol tables from this module instead of writing
    /// them, so wrappers can live in a file beside a generated symbol table.
    symbols_from: ?[]const u8 = null,
    /// Write the ABI layout manifest (zerocopy's own src/abi/symbols.ts uses it).
    layouts: bool = false,
    /// The module the symbol tables import the `ForeignLibraryInterface` type
    /// they satisfy from; when null, zerocopy's module (`import_from`, or the
    /// versioned JSR default). zerocopy's own src/abi/symbols.ts names the
    /// file that defines it: importing mod.ts from src/ would be a cycle.
    ffi_types_from: ?[]const u8 = null,
    /// Namespaces the library also exports whose symbol tables another
    /// module generates (libzerocopy's demo exports, for a test library that
    /// re-exports them): registered as Node-API functions with the groups'
    /// exports (`napi_symbols.zig`), written to no table here.
    reexports: []const type = &.{},
    /// Names the Zig source in the generated header.
    source: []const u8,
};

/// Which parameters are lengths the wrappers fill in themselves.
pub const HiddenLengths = enum {
    /// An integer parameter right after a lent array (`[*]const T`) is that
    /// array's length: `sum(values: ?[*]const f64, len: u32)` becomes
    /// `sum(values: Float64Array)`, which passes `values.length` for `len`.
    after_lent_array,
    /// None: every parameter is the caller's to pass.
    none,
};

/// A parameter the wrapper fills with a lent array's `.length`.
pub const Length = struct {
    function: []const u8,
    /// The integer parameter that is hidden.
    length: []const u8,
    /// The lent array (`[*]const T`) whose length it is.
    array: []const u8,
};

test {
    _ = signature;
    _ = typescript;
    _ = @import("bindings/typescript_test.zig");
    _ = @import("bindings/list.zig");
    _ = @import("bindings/nonblocking.zig");
}
