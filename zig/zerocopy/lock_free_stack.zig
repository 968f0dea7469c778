//! A stack any thread pushes onto and a single taker empties in one swap: the
//! shape of the lists finalizers leave work on for a JavaScript thread. Taken
//! whole, never popped one node at a time, so there is no ABA problem.

const std = @import("std");

/// A stack of `T`, linked through its `next: ?*T` field.
pub fn Stack(comptime T: type) type {
    return struct {
        head: std.atomic.Value(?*T) = .init(null),

        /// Pushes `node`; safe on any thread.
        pub fn push(self: *@This(), node: *T) void {
            var head = self.head.load(.monotonic);
            while (true) {
                node.next = head;
                head = self.head.cmpxchgWeak(head, node, .release, .monotonic) orelse break;
            }
        }

        /// Every node pushed so far, newest first, linked through `next`; null when there is none.
        pub fn takeAll(self: *@This()) ?*T {
            if (self.head.load(.monotonic) == null) return null;
            return self.head.swap(null, .acquire);
        }

        /// Takes every node pushed so far and hands each to `consume`, which
        /// may free it (its `next` is read first); returns how many.
        pub fn drain(self: *@This(), comptime consume: fn (*T) void) usize {
            var next = self.takeAll();
            var count: usize = 0;
            while (next) |node| {
                next = node.next;
                consume(node);
                count += 1;
            }
            return count;
        }
    };
}

test "nodes pushed from several threads are all taken, once" {
    const Node = struct { next: ?*@This() = null };
    var stack: Stack(Node) = .{};
    var nodes: [4][64]Node = @splat(@splat(.{}));
    const push = struct {
        fn run(s: *Stack(Node), own: *[64]Node) void {
            for (own) |*node| s.push(node);
        }
    }.run;
    var threads: [4]std.Thread = undefined;
    for (&threads, &nodes) |*thread, *own| thread.* = try std.Thread.spawn(.{}, push, .{ &stack, own });
    for (threads) |thread| thread.join();
    const ignore = struct {
        fn consume(_: *Node) void {}
    }.consume;
    try std.testing.expectEqual(@as(usize, 4 * 64), stack.drain(ignore));
    try std.testing.expectEqual(@as(?*Node, null), stack.takeAll());
}
