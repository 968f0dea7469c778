import { assert, assertEquals } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { flushReleases, releaseBacklog } from "../mod.ts";
import { CHECKED_LIB, lib } from "./_helpers.ts";

const BIG = 256 << 20;

describe("big releases on the release thread", () => {
  it("dispose returns before a big buffer's memory is freed, and the backlog counts it until it is", () => {
    flushReleases(lib);
    const before = lib.stats();
    const buffer = lib.allocate("u8", BIG);
    buffer.view.fill(7); // touched pages are what makes giving them back slow
    const start = performance.now();
    buffer[Symbol.dispose]();
    const backlog = releaseBacklog(lib);
    const disposeMs = performance.now() - start;
    // Released at once for the counters; its memory is queued unless the thread was quicker.
    assertEquals(lib.stats().liveBytes, before.liveBytes);
    assertEquals(lib.stats().totalReleased, before.totalReleased + 1);
    assert(backlog.bytes === BIG || backlog.bytes === 0, `${backlog.bytes} bytes releasing`);
    if (backlog.bytes === BIG) assertEquals(backlog.buffers, 1);
    assertEquals(flushReleases(lib), { buffers: 0, bytes: 0 });
    // The thread freed it (Linux), or nothing did off this thread (the checked build frees in place).
    const expected = CHECKED_LIB || Deno.build.os !== "linux" ? 0 : 1;
    assertEquals(lib.stats().releasedInBackground - before.releasedInBackground, expected);
    assert(disposeMs >= 0);
  });

  it("frees every buffer of a stream of big disposes exactly once", () => {
    flushReleases(lib);
    const before = lib.stats();
    let queued = 0;
    for (let i = 0; i < 16; i++) {
      const buffer = lib.allocate("f64", (4 << 20) / 8);
      buffer.view[buffer.length - 1] = i;
      buffer[Symbol.dispose]();
      buffer[Symbol.dispose](); // a second dispose gives nothing back twice
      queued = Math.max(queued, releaseBacklog(lib).buffers);
    }
    assert(queued <= 16);
    assertEquals(flushReleases(lib).buffers, 0);
    const after = lib.stats();
    assertEquals(after.totalReleased - before.totalReleased, 16);
    assertEquals(after.liveBuffers, before.liveBuffers);
    assertEquals(after.liveBytes, before.liveBytes);
    const expected = CHECKED_LIB || Deno.build.os !== "linux" ? 0 : 16;
    assertEquals(after.releasedInBackground - before.releasedInBackground, expected);
  });

  it("frees small buffers where they are disposed", () => {
    flushReleases(lib);
    const before = lib.stats().releasedInBackground;
    lib.allocate("u8", 8192)[Symbol.dispose]();
    assertEquals(releaseBacklog(lib), { buffers: 0, bytes: 0 });
    assertEquals(lib.stats().releasedInBackground, before);
  });
});
