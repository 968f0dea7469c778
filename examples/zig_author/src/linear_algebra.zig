//! Matrices as flat row-major f64 slices: products with `@Vector` rows.

const std = @import("std");

const lanes = 4;

/// `c = a × b` for n×n row-major matrices: i-k-j order, the inner loop over a
/// row of `b` vectorized `lanes` columns at a time.
pub fn multiply(a: []const f64, b: []const f64, c: []f64, n: usize) void {
    const V = @Vector(lanes, f64);
    @memset(c, 0);
    for (0..n) |i| {
        const c_row = c[i * n ..][0..n];
        for (0..n) |k| {
            const a_ik = a[i * n + k];
            const b_row = b[k * n ..][0..n];
            var j: usize = 0;
            while (j + lanes <= n) : (j += lanes) {
                const sum: V = c_row[j..][0..lanes].* + @as(V, @splat(a_ik)) * @as(V, b_row[j..][0..lanes].*);
                c_row[j..][0..lanes].* = sum;
            }
            while (j < n) : (j += 1) c_row[j] += a_ik * b_row[j];
        }
    }
}

test "multiply by the identity gives the matrix back" {
    const n = 5;
    var a: [n * n]f64 = undefined;
    for (&a, 0..) |*x, i| x.* = @floatFromInt(i);
    var identity: [n * n]f64 = @splat(0);
    for (0..n) |i| identity[i * n + i] = 1;
    var c: [n * n]f64 = undefined;
    multiply(&a, &identity, &c, n);
    try std.testing.expectEqualSlices(f64, &a, &c);
}
