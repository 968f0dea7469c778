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

/// A condition to wait on under a `BlockingMutex`: a thread waiting for what
/// another one adds (a lent stream's consumer for the host's next batch).
pub const BlockingCondition = struct {
    inner: std.Io.Condition = .init,

    /// Releases `mutex`, sleeps until woken (or spuriously), then takes it again.
    pub fn wait(self: *BlockingCondition, mutex: *BlockingMutex) void {
        self.inner.waitUncancelable(io(), &mutex.inner);
    }

    /// Wakes every waiter.
    pub fn broadcast(self: *BlockingCondition) void {
        self.inner.broadcast(io());
    }
};

test "a waiter wakes once another thread changed the state and broadcast" {
    var mutex: BlockingMutex = .{};
    var condition: BlockingCondition = .{};
    var ready = false;
    const thread = try std.Thread.spawn(.{}, struct {
        fn run(m: *BlockingMutex, c: *BlockingCondition, r: *bool) void {
            m.lock();
            defer m.unlock();
            r.* = true;
            c.broadcast();
        }
    }.run, .{ &mutex, &condition, &ready });
    mutex.lock();
    while (!ready) condition.wait(&mutex);
    mutex.unlock();
    thread.join();
    try std.testing.expect(ready);
}
