//! The descriptors whose ownership JavaScript holds in its own memory: handed
//! over and not yet taken back. A descriptor lies in memory JavaScript can
//! write (`adopt`'s callback has it), so its words prove nothing by
//! themselves: before Zig maps memory for JavaScript (`wrap`), frees it for it
//! (`zc_release`), or takes it back (`claim`, a transfer), it takes exactly
//! those words out of here, and refuses words that are not here. A descriptor
//! written or changed by JavaScript, a copy of one already taken, or one taken
//! twice names nothing here.
//!
//! Words go in where Zig writes a descriptor for JavaScript to own
//! (`handOverDescriptor`, a transfer received, a `reclaim`) and leave where Zig
//! takes its ownership (into a wrapper, a release, a claim, a parked transfer).
//! Each record is a slot whose number (plus one, in the low 20 bits) and
//! generation (the high 12) the descriptor's `flags` carries, so a lookup reads
//! one slot rather than searching: a hash map's probing cost Deno's handover
//! 15 %. A forged slot number finds other words, or none, and is refused; a
//! slot's generation grows each time it is freed, so a copy of words taken
//! back matches the same words handed over again (the same address from the
//! allocator) only after 4,096 reuses of its slot.

const std = @import("std");
const Descriptor = @import("abi.zig").Descriptor;

const Words = [@sizeOf(Descriptor) / 8]u64;

comptime {
    // Every byte of a descriptor is one of its fields': the words compare whole descriptors.
    std.debug.assert(@sizeOf(Descriptor) == 48 and @alignOf(Descriptor) == 8);
}

const Slot = struct { words: Words, live: bool, generation: u12 };

const index_bits = 20;
/// Slots beyond this many live hand-overs are not made: such words are not recorded.
const max_slots = (1 << index_bits) - 1;

var lock: std.atomic.Mutex = .unlocked;
/// Their memory comes from libc, not from the checked allocator, which tests watch for leaks.
var slots: std.ArrayList(Slot) = .empty;
var free: std.ArrayList(u32) = .empty;

fn wordsOf(descriptor: *const Descriptor) Words {
    return @as(*const Words, @ptrCast(@alignCast(descriptor))).*;
}

fn acquire() void {
    while (!lock.tryLock()) std.atomic.spinLoopHint();
}

/// Records `descriptor` as JavaScript's to own, writing its slot into its
/// `flags`; one that owns nothing (no `release`) is not recorded. Without
/// memory for the record `flags` names no slot: JavaScript can then neither
/// map nor free the words, which leaks them rather than trusting words Zig
/// cannot vouch for.
pub fn add(descriptor: *Descriptor) void {
    descriptor.flags = 0;
    if (descriptor.release == null) return;
    acquire();
    defer lock.unlock();
    const index: u32 = free.pop() orelse grow: {
        if (slots.items.len >= max_slots) return;
        slots.ensureUnusedCapacity(std.heap.c_allocator, 1) catch return;
        free.ensureTotalCapacity(std.heap.c_allocator, slots.items.len + 1) catch return;
        slots.appendAssumeCapacity(.{ .words = undefined, .live = false, .generation = 0 });
        break :grow @intCast(slots.items.len - 1);
    };
    const slot = &slots.items[index];
    descriptor.flags = @as(u32, slot.generation) << index_bits | (index + 1);
    slot.words = wordsOf(descriptor);
    slot.live = true;
}

/// Takes `descriptor`'s words out: true when Zig recorded exactly them and
/// they were not taken already. Words that own nothing are never recorded.
pub fn take(descriptor: *const Descriptor) bool {
    acquire();
    defer lock.unlock();
    const slot = slotOf(descriptor) orelse return false;
    slot.live = false;
    slot.generation +%= 1;
    free.appendAssumeCapacity((descriptor.flags & max_slots) - 1); // room for every slot was made with it
    return true;
}

/// The live slot holding exactly `descriptor`'s words; under `lock`.
fn slotOf(descriptor: *const Descriptor) ?*Slot {
    const number = descriptor.flags & max_slots;
    if (descriptor.release == null or number == 0 or number > slots.items.len) return null;
    const slot = &slots.items[number - 1];
    if (!slot.live or slot.generation != descriptor.flags >> index_bits) return null;
    return if (std.mem.eql(u64, &slot.words, &wordsOf(descriptor))) slot else null;
}

/// How many descriptors JavaScript owns; for tests.
pub fn count() usize {
    acquire();
    defer lock.unlock();
    return slots.items.len - free.items.len;
}

const testing = std.testing;

fn release(_: *Descriptor) callconv(.c) void {}

test "words are taken once, and only exactly as added" {
    const before = count();
    var words: [4]u64 = .{ 1, 2, 3, 4 };
    var handed: Descriptor = .{
        .ptr = @ptrCast(&words),
        .len = 4,
        .cap = 4,
        .release = release,
        .private = null,
        .element_type = .u64,
        .flags = 0,
    };
    var twin = handed;
    add(&handed);
    add(&twin);
    try testing.expect(handed.flags != 0 and twin.flags != 0 and handed.flags != twin.flags);
    try testing.expectEqual(before + 2, count());
    var longer = handed;
    longer.len = 5;
    try testing.expect(!take(&longer));
    var other_slot = handed;
    other_slot.flags = twin.flags + 100;
    try testing.expect(!take(&other_slot));
    var unnamed = handed;
    unnamed.flags = 0;
    try testing.expect(!take(&unnamed));
    try testing.expect(take(&handed));
    try testing.expect(!take(&handed));
    try testing.expect(take(&twin));
    try testing.expectEqual(before, count());

    var nothing: Descriptor = .released;
    add(&nothing);
    try testing.expectEqual(@as(u32, 0), nothing.flags);
    try testing.expect(!take(&nothing));
    try testing.expectEqual(before, count());
}

test "a slot taken is reused under a new generation, and the old words stay refused" {
    var words: [2]u64 = .{ 0, 0 };
    var first: Descriptor = .{ .ptr = @ptrCast(&words), .len = 2, .cap = 2, .release = release, .private = null, .element_type = .u64, .flags = 0 };
    add(&first);
    const copy = first;
    try testing.expect(take(&first));
    var second = first;
    second.len = 1;
    add(&second);
    try testing.expectEqual(copy.flags & max_slots, second.flags & max_slots);
    try testing.expect(copy.flags != second.flags);
    try testing.expect(!take(&copy));
    try testing.expect(take(&second));
    // The same words handed over again, in the same slot: the copy of the first still names nothing.
    var again = copy;
    again.flags = 0;
    add(&again);
    try testing.expect(again.flags != copy.flags);
    try testing.expect(!take(&copy));
    try testing.expect(take(&again));
}
