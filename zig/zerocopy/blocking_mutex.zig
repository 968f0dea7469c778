//! A lock that puts a waiting thread to sleep, on every target: for state held
//! across a foreign call of unknown length (an ADBC driver's, a stream
//! producer's), where a spin lock would burn a core. `pthread_mutex_t` is not
//! there on Windows; the futex behind `std.Io.Mutex` is.

const std = @import("std");

fn io() std.Io {
    return std.Io.Threaded.global_single_threaded.io();
}

/// Starts unlocked; a zeroed value is unlocked too.
pub const BlockingMutex = struct {
    inner: std.Io.Mutex = .init,

    /// Waits until the lock is free, then takes it.
    pub fn lock(self: *BlockingMutex) void {
        self.inner.lockUncancelable(io());
    }

    /// Takes the lock if it is free; never waits.
    pub fn tryLock(self: *BlockingMutex) bool {
        return self.inner.tryLock();
    }

    /// Releases the lock, waking one waiter.
    pub fn unlock(self: *BlockingMutex) void {
        self.inner.unlock(io());
    }
};

test "a second thread waits for the lock and sees the first thread's writes" {
    var mutex: BlockingMutex = .{};
    var value: u32 = 0;
    mutex.lock();
    const thread = try std.Thread.spawn(.{}, struct {
        fn run(m: *BlockingMutex, v: *u32) void {
            m.lock();
            defer m.unlock();
            v.* += 1;
        }
    }.run, .{ &mutex, &value });
    value = 41;
    mutex.unlock();
    thread.join();
    try std.testing.expectEqual(@as(u32, 42), value);
}

/// A point in time on the monotonic clock, for `BlockingCondition.waitUntil`.
pub const Deadline = std.Io.Clock.Timestamp;

/// The moment `ms` milliseconds from now.
pub fn deadlineAfter(ms: u32) Deadline {
    return .fromNow(io(), .{ .raw = .fromMilliseconds(ms), .clock = .awake });
}

/// The later of two deadlines.
pub fn later(a: Deadline, b: Deadline) Deadline {
    return if (a.compare(.gte, b)) a else b;
}

/// Whether `deadline` is now or past.
pub fn passed(deadline: Deadline) bool {
    return deadline.untilNow(io()).raw.nanoseconds >= 0;
}

/// A condition to wait on under a `BlockingMutex`: a thread waiting for what
/// another one adds (a lent stream's consumer for the host's next batch).
pub const BlockingCondition = struct {
    inner: std.Io.Condition = .init,

    /// Releases `mutex`, sleeps until woken (or spuriously), then takes it again.
    pub fn wait(self: *BlockingCondition, mutex: *BlockingMutex) void {
        self.inner.waitUncancelable(io(), &mutex.inner);
    }

    /// Like `wait`, but gives up at `deadline` (see `deadlineAfter`): false
    /// when it passed, true when woken (or spuriously) before it.
    pub fn waitUntil(self: *BlockingCondition, mutex: *BlockingMutex, deadline: Deadline) bool {
        self.inner.waitTimeout(io(), &mutex.inner, .{ .deadline = deadline }) catch |err| switch (err) {
            error.Timeout => return false,
            // Nothing cancels a wait on this `Io`: a spurious wake-up for the caller's loop.
            error.Canceled => return true,
        };
        return true;
    }

    /// Wakes every waiter.
    pub fn broadcast(self: *BlockingCondition) void {
        self.inner.broadcast(io());
    }
};

/// What the tests' other thread does: sets `ready` under the lock and broadcasts.
fn setAndBroadcast(m: *BlockingMutex, c: *BlockingCondition, ready: *bool) void {
    m.lock();
    defer m.unlock();
    ready.* = true;
    c.broadcast();
}

test "a waiter wakes once another thread changed the state and broadcast" {
    var mutex: BlockingMutex = .{};
    var condition: BlockingCondition = .{};
    var ready = false;
    const thread = try std.Thread.spawn(.{}, setAndBroadcast, .{ &mutex, &condition, &ready });
    mutex.lock();
    while (!ready) condition.wait(&mutex);
    mutex.unlock();
    thread.join();
    try std.testing.expect(ready);
}

test "a timed wait gives up at its deadline, and a broadcast before it wakes the waiter" {
    var mutex: BlockingMutex = .{};
    var condition: BlockingCondition = .{};
    mutex.lock();
    const deadline = deadlineAfter(20);
    while (condition.waitUntil(&mutex, deadline)) {} // a spurious wake-up waits again
    try std.testing.expect(passed(deadline));
    mutex.unlock();

    var ready = false;
    const thread = try std.Thread.spawn(.{}, setAndBroadcast, .{ &mutex, &condition, &ready });
    mutex.lock();
    const far = deadlineAfter(60_000);
    while (!ready) try std.testing.expect(condition.waitUntil(&mutex, far));
    mutex.unlock();
    thread.join();
    try std.testing.expect(!passed(far));
}
