//! An example Zig author's library: the kernels behind the use-case examples
//! (frames, matrices, meshes, datasets, network records), each handing its
//! result to Deno without a copy. `zig build bindings` writes the TypeScript
//! side (bindings.ts) from `exports`.

const std = @import("std");
pub const zerocopy = @import("zerocopy");
const image = @import("image.zig");
const linear_algebra = @import("linear_algebra.zig");
const mesh = @import("mesh.zig");
const records = @import("records.zig");
const sensors = @import("sensors.zig");
const Out = zerocopy.Out;
const RingOut = zerocopy.RingOut;
const BatchOut = zerocopy.BatchOut;
const Status = zerocopy.Status;

/// What `zig build bindings` generates: a symbol table and typed wrappers.
pub const bindings: zerocopy.bindings.Spec = .{
    .source = "examples/zig_author/src/root.zig",
    .groups = &.{.{ .name = "symbols", .exports = exports }},
    // A project outside this repository imports "jsr:@zerocopy/zerocopy" (the default).
    .import_from = "../../mod.ts",
};

comptime {
    // zc_release, zc_abi_version, zc_layout, zc_stats, zc_allocate: what Deno's
    // openLibrary() checks and calls, written once in the zerocopy module.
    zerocopy.exportAbi();
    zerocopy.exportAll(exports);
}

const allocator = zerocopy.default_allocator;

/// The product of `factors`, or null when it overflows `usize`. Sizes come
/// from JavaScript, so every size is computed this way and an impossible one
/// becomes a status instead of an integer-overflow panic.
fn product(factors: []const u64) ?usize {
    var total: usize = 1;
    for (factors) |factor| total = std.math.mul(usize, total, factor) catch return null;
    return total;
}

/// The exports, plain named functions with the C calling convention: each
/// checks what JavaScript passed, allocates, fills and hands the memory over.
pub const exports = struct {
    /// Exports Deno calls with `nonblocking: true`, on a worker thread, each
    /// with a generated wrapper that returns a Promise.
    pub const nonblocking = .{"box_blur_async"};

    /// The shape each buffer is handed over with, by function: parameter names
    /// and numbers. Generated bindings give the returned buffer this shape.
    pub const shapes = struct {
        pub const make_frame = .{ "height", "width", 4 };
        pub const grayscale = .{"rgba.length / 4"};
        pub const box_blur = .{ "height", "width" };
        pub const box_blur_async = .{ "height", "width" };
        pub const make_matrix = .{ "rows", "cols" };
        pub const multiply = .{ "n", "n" };
        pub const make_mesh_vertices = .{ "(n + 1) * (n + 1)", 3 };
        pub const make_mesh_indices = .{ "2 * n * n", 3 };
        pub const make_dataset = .{ "rows", "features" };
    };

    /// A `width` × `height` RGBA frame: a red/green gradient with opaque alpha,
    /// row-major, 4 bytes per pixel.
    pub fn make_frame(width: u32, height: u32, out: ?*Out(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const len = product(&.{ width, height, 4 }) orelse return .size_overflow;
        const frame = zerocopy.allocate(u8, allocator, len) catch |err| return zerocopy.statusOf(err);
        image.fillFrame(frame, width, height);
        target.handOverSlice(allocator, frame);
        return .ok;
    }

    /// The luma of each RGBA pixel of a lent frame, `@Vector` lanes at a time.
    pub fn grayscale(rgba: ?[*]const u8, rgba_len: u32, out: ?*Out(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        if (rgba_len % 4 != 0) return .invalid_argument;
        const pixels = (rgba orelse return .invalid_argument)[0..rgba_len];
        const gray = zerocopy.allocate(u8, allocator, rgba_len / 4) catch |err| return zerocopy.statusOf(err);
        image.grayscale(pixels, gray);
        target.handOverSlice(allocator, gray);
        return .ok;
    }

    /// The same luma, one pixel at a time: the baseline the SIMD version is benchmarked against.
    pub fn grayscale_scalar(rgba: ?[*]const u8, rgba_len: u32, out: ?*Out(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        if (rgba_len % 4 != 0) return .invalid_argument;
        const pixels = (rgba orelse return .invalid_argument)[0..rgba_len];
        const gray = zerocopy.allocate(u8, allocator, rgba_len / 4) catch |err| return zerocopy.statusOf(err);
        for (gray, 0..) |*value, i| value.* = image.lumaScalar(pixels[i * 4 ..][0..4].*);
        target.handOverSlice(allocator, gray);
        return .ok;
    }

    /// A 3×3 box blur of a lent `width` × `height` grayscale image.
    pub fn box_blur(gray: ?[*]const u8, gray_len: u32, width: u32, height: u32, out: ?*Out(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        if (width == 0 or height == 0 or product(&.{ width, height }) != gray_len) return .invalid_argument;
        const pixels = (gray orelse return .invalid_argument)[0..gray_len];
        const blurred = zerocopy.allocate(u8, allocator, gray_len) catch |err| return zerocopy.statusOf(err);
        image.boxBlur(pixels, blurred, width, height);
        target.handOverSlice(allocator, blurred);
        return .ok;
    }

    /// `box_blur` on one of Deno's worker threads: the generated wrapper returns a
    /// Promise, keeps `gray` referenced until it settles, and reports the rows
    /// done (`onProgress`); an aborted `signal` stops it between bands of rows.
    pub fn box_blur_async(gray: ?[*]const u8, gray_len: u32, width: u32, height: u32, job: ?*zerocopy.Job, out: ?*Out(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        if (width == 0 or height == 0 or product(&.{ width, height }) != gray_len) return .invalid_argument;
        const pixels = (gray orelse return .invalid_argument)[0..gray_len];
        const blurred = zerocopy.allocate(u8, allocator, gray_len) catch |err| return zerocopy.statusOf(err);
        zerocopy.Job.begin(job, height);
        const band = 64;
        var first: usize = 0;
        while (first < height) : (first += band) {
            if (zerocopy.Job.cancelled(job)) {
                allocator.free(blurred);
                return .cancelled;
            }
            const end = @min(first + band, height);
            image.boxBlurRows(pixels, blurred, width, height, first, end);
            zerocopy.Job.advance(job, end - first);
        }
        target.handOverSlice(allocator, blurred);
        return .ok;
    }

    /// The (n+1)² vertices of an n×n grid mesh as records `{ x, y, z: f32, id: u32 }`.
    pub fn make_vertices(n: u32, out: ?*zerocopy.RecordOut(mesh.Vertex)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const side = std.math.add(u64, n, 1) catch return .size_overflow;
        const count = product(&.{ side, side }) orelse return .size_overflow;
        const vertices = zerocopy.allocate(mesh.Vertex, allocator, count) catch |err| return zerocopy.statusOf(err);
        mesh.fillVertexRecords(vertices, n);
        target.handOverSlice(allocator, vertices);
        return .ok;
    }

    /// `count` network packet headers as records, as a capture parser would hand them over.
    pub fn make_packet_headers(count: u32, out: ?*zerocopy.RecordOut(records.PacketHeader)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const headers = zerocopy.allocate(records.PacketHeader, allocator, count) catch |err| return zerocopy.statusOf(err);
        records.fillHeaders(headers);
        target.handOverSlice(allocator, headers);
        return .ok;
    }

    /// A `rows` × `cols` matrix of f64, row-major, built by appending to an
    /// ArrayList and handed over as is: element (i, j) is `i * cols + j`.
    pub fn make_matrix(rows: u32, cols: u32, out: ?*Out(f64)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const count = product(&.{ rows, cols }) orelse return .size_overflow;
        _ = product(&.{ count, @sizeOf(f64) }) orelse return .size_overflow;
        var matrix: std.ArrayList(f64) = .empty;
        matrix.ensureTotalCapacity(allocator.*, count) catch return .out_of_memory;
        for (0..count) |i| matrix.appendAssumeCapacity(@floatFromInt(i));
        target.handOverArrayList(allocator, &matrix);
        return .ok;
    }

    /// Sums a matrix Deno lends (a Float64Array).
    pub fn sum_matrix(values: ?[*]const f64, len: u32) callconv(.c) f64 {
        var sum: f64 = 0;
        for ((values orelse return 0)[0..len]) |x| sum += x;
        return sum;
    }

    /// `a × b` for two lent n×n row-major matrices, handed back as a new matrix.
    pub fn multiply(a: ?[*]const f64, a_len: u32, b: ?[*]const f64, b_len: u32, n: u32, out: ?*Out(f64)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const count = product(&.{ n, n }) orelse return .size_overflow;
        if (a_len != count or b_len != count) return .invalid_argument;
        const left = (a orelse return .invalid_argument)[0..count];
        const right = (b orelse return .invalid_argument)[0..count];
        const result = zerocopy.allocate(f64, allocator, count) catch |err| return zerocopy.statusOf(err);
        linear_algebra.multiply(left, right, result, n);
        target.handOverSlice(allocator, result);
        return .ok;
    }

    /// The (n+1)² xyz vertices of an n×n grid mesh.
    pub fn make_mesh_vertices(n: u32, out: ?*Out(f32)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        if (n == 0) return .invalid_argument;
        const side = @as(u64, n) + 1;
        const count = product(&.{ side, side, 3 }) orelse return .size_overflow;
        const vertices = zerocopy.allocate(f32, allocator, count) catch |err| return zerocopy.statusOf(err);
        mesh.fillVertices(vertices, n);
        target.handOverSlice(allocator, vertices);
        return .ok;
    }

    /// The 2n² triangles (3 indices each) of an n×n grid mesh. Indices are
    /// u32, so a mesh whose (n+1)² vertices a u32 cannot number is refused.
    pub fn make_mesh_indices(n: u32, out: ?*Out(u32)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        if (n == 0 or n >= mesh.max_indexed_side) return .invalid_argument;
        const count = product(&.{ n, n, 6 }) orelse return .size_overflow;
        const indices = zerocopy.allocate(u32, allocator, count) catch |err| return zerocopy.statusOf(err);
        mesh.fillIndices(indices, n);
        target.handOverSlice(allocator, indices);
        return .ok;
    }

    /// `rows` samples of `features` f32 features each, row-major, deterministic
    /// pseudo-random values in [0, 1).
    pub fn make_dataset(rows: u32, features: u32, out: ?*Out(f32)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        const count = product(&.{ rows, features }) orelse return .size_overflow;
        const values = zerocopy.allocate(f32, allocator, count) catch |err| return zerocopy.statusOf(err);
        var random = std.Random.DefaultPrng.init(42);
        for (values) |*value| value.* = random.random().float(f32);
        target.handOverSlice(allocator, values);
        return .ok;
    }

    /// `rows` samples of `features` f32 features each, pseudo-random in [0, 1)
    /// from `seed`, as batches of `batch_rows` rows carved from a region in one call.
    pub fn make_batches(rows: u32, features: u32, batch_rows: u32, seed: u32, out: ?*BatchOut(f32)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        if (batch_rows == 0 or features == 0) return .invalid_argument;
        var random = std.Random.DefaultPrng.init(seed);
        var row: u32 = 0;
        while (row < rows) : (row += @min(batch_rows, rows - row)) {
            const batch = target.alloc(@as(usize, @min(batch_rows, rows - row)) * features) catch |err|
                return zerocopy.region.statusOf(err);
            for (batch) |*value| value.* = random.random().float(f32);
        }
        return .ok;
    }

    /// Renders frame `t` of a `width` × `height` RGBA gradient moving one pixel
    /// per frame into the next free slot of a ring.
    pub fn render_frame(width: u32, height: u32, t: u32, out: ?*RingOut(u8)) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        const bytes = product(&.{ width, height, 4 }) orelse return .size_overflow;
        const slot = target.acquire() catch |err| return zerocopy.region.statusOf(err);
        // The host gives an acquired slot back when the call fails.
        if (bytes > slot.len) return .size_overflow;
        image.fillMovingFrame(slot[0..bytes], width, height, t);
        target.handOver(bytes);
        return .ok;
    }

    /// Sums a lent Float32Array, e.g. one batch of a dataset.
    pub fn sum_f32(values: ?[*]const f32, len: u32) callconv(.c) f64 {
        var sum: f64 = 0;
        for ((values orelse return 0)[0..len]) |x| sum += x;
        return sum;
    }

    /// The same sum with `@Vector(16, f32)` partial sums: the SIMD reduction
    /// benchmarked against `sum_f32` (results differ only by rounding order).
    pub fn sum_f32_simd(values: ?[*]const f32, len: u32) callconv(.c) f64 {
        const items = (values orelse return 0)[0..len];
        const V = @Vector(16, f32);
        var partial: V = @splat(0);
        var i: usize = 0;
        while (i + 16 <= items.len) : (i += 16) partial += @as(V, items[i..][0..16].*);
        var sum: f64 = @reduce(.Add, @as(@Vector(16, f64), partial));
        while (i < items.len) : (i += 1) sum += items[i];
        return sum;
    }

    /// Sums the values of the complete `key=value\n` records in a lent byte buffer.
    pub fn sum_records(bytes: ?[*]const u8, bytes_len: u32) callconv(.c) f64 {
        var count: u32 = 0;
        return @floatFromInt(records.sumValues((bytes orelse return 0)[0..bytes_len], &count));
    }

    /// Counts the complete `key=value\n` records in a lent byte buffer.
    pub fn count_records(bytes: ?[*]const u8, bytes_len: u32) callconv(.c) u32 {
        var count: u32 = 0;
        _ = records.sumValues((bytes orelse return 0)[0..bytes_len], &count);
        return count;
    }

    /// `rows` sensor readings as an Arrow record batch (time, sensor, value,
    /// place, a 16-float embedding): an apache-arrow table in Deno.
    pub fn make_sensor_readings(rows: u64, out: ?*zerocopy.arrow.RecordBatchOut) callconv(.c) Status {
        const target = out orelse return .invalid_argument;
        target.clear();
        sensors.readings(allocator, rows, &target.descriptor) catch |err| return switch (err) {
            error.OutOfMemory => .out_of_memory,
            else => .invalid_argument,
        };
        return .ok;
    }

    /// Sums the non-null values of a lent batch's float64 column `column`
    /// (its name, UTF-8) into `out`: a kernel reading a table Deno built.
    pub fn sum_arrow_column(
        batch: ?*const zerocopy.arrow.ArrowSchema,
        batch_array: ?*const zerocopy.arrow.ArrowArray,
        column: ?[*]const u8,
        column_len: u32,
        out: ?*f64,
    ) callconv(.c) Status {
        const name = (column orelse return .invalid_argument)[0..column_len];
        const target = out orelse return .invalid_argument;
        target.* = sensors.sumColumn(batch orelse return .invalid_argument, batch_array orelse return .invalid_argument, name) catch
            return .invalid_argument;
        return .ok;
    }
};

test "make_frame hands over width * height RGBA pixels" {
    var out: Out(u8) = undefined;
    try std.testing.expectEqual(Status.ok, exports.make_frame(3, 2, &out));
    defer zerocopy.release(&out.descriptor);
    const frame = zerocopy.elements(u8, &out.descriptor).?;
    try std.testing.expectEqual(@as(usize, 24), frame.len);
    try std.testing.expectEqualSlices(u8, &.{ 255, 255, 0x80, 0xff }, frame[20..24]);
}

test {
    _ = image;
    _ = linear_algebra;
    _ = mesh;
    _ = records;
    _ = sensors;
}

test "make_matrix hands over rows * cols elements in row-major order" {
    var out: Out(f64) = undefined;
    try std.testing.expectEqual(Status.ok, exports.make_matrix(2, 3, &out));
    defer zerocopy.release(&out.descriptor);
    try std.testing.expectEqual(@as(f64, 5), zerocopy.elements(f64, &out.descriptor).?[5]);
}

test "sizes from JavaScript that cannot be allocated come back as statuses" {
    var vertices: Out(f32) = undefined;
    try std.testing.expectEqual(Status.size_overflow, exports.make_mesh_vertices(std.math.maxInt(u32), &vertices));
    try std.testing.expectEqual(zerocopy.Descriptor.released, vertices.descriptor);
    var indices: Out(u32) = undefined;
    try std.testing.expectEqual(Status.invalid_argument, exports.make_mesh_indices(std.math.maxInt(u32), &indices));
    try std.testing.expectEqual(Status.invalid_argument, exports.make_mesh_indices(mesh.max_indexed_side, &indices));
    var frame: Out(u8) = undefined;
    try std.testing.expectEqual(Status.size_overflow, exports.make_frame(std.math.maxInt(u32), std.math.maxInt(u32), &frame));
    var matrix: Out(f64) = undefined;
    try std.testing.expectEqual(Status.invalid_argument, exports.make_matrix(1, 1, null));
    try std.testing.expectEqual(Status.ok, exports.make_matrix(0, 0, &matrix));
    zerocopy.release(&matrix.descriptor);
}
