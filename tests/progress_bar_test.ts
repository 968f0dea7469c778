// progressBar(): draws in place on a terminal writer, writes nothing to one
// that is not, and plugs into a generated wrapper's onProgress.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { progressBar, type ProgressWriter } from "../mod.ts";
import { demo } from "./_helpers.ts";

/** A writer that records what it is given, as text. */
function fakeWriter(terminal: boolean): ProgressWriter & { readonly writes: string[] } {
  const writes: string[] = [];
  const decoder = new TextDecoder();
  return {
    writes,
    isTerminal: () => terminal,
    writeSync(bytes: Uint8Array): number {
      writes.push(decoder.decode(bytes));
      return bytes.length;
    },
  };
}

describe("progressBar()", () => {
  it("writes nothing when its writer is not a terminal", () => {
    const writer = fakeWriter(false);
    const bar = progressBar({ writer, label: "copying" });
    bar(1, 10);
    bar(10, 10);
    bar.end();
    assertEquals(writer.writes, []);
    assertEquals(bar.drawn, false);
  });

  it("draws the bar, percent and units in place on a terminal", () => {
    const writer = fakeWriter(true);
    const bar = progressBar({ writer, label: "counting", width: 10, unit: "bytes" });
    bar(512 * 1024, 2 * 1024 * 1024);
    assertEquals(writer.writes, ["\rcounting [###.......]  25%  512 KB / 2.0 MB\x1b[K"]);
    assert(bar.drawn);
  });

  it("skips a redraw that would show the same line", () => {
    const writer = fakeWriter(true);
    const bar = progressBar({ writer, width: 4 });
    bar(1, 1000);
    bar(2, 1000);
    assertEquals(writer.writes.length, 2);
    assertEquals(writer.writes[1], "\r[....]   0%  2 / 1,000\x1b[K");
  });

  it("shows the count alone while the total is unknown", () => {
    const writer = fakeWriter(true);
    progressBar({ writer })(1234, 0);
    assertEquals(writer.writes, ["\r1,234\x1b[K"]);
  });

  it("ends its line once when disposed, and draws nothing after", () => {
    const writer = fakeWriter(true);
    {
      using bar = progressBar({ writer, width: 2 });
      bar(2, 2);
      bar.end();
      bar(1, 2);
    }
    assertEquals(writer.writes, ["\r[##] 100%  2 / 2\x1b[K", "\n"]);
  });

  it("ends no line when it never drew", () => {
    const writer = fakeWriter(true);
    progressBar({ writer }).end();
    assertEquals(writer.writes, []);
  });

  it("refuses a width that is not a small positive integer", () => {
    assertThrows(() => progressBar({ width: 0 }), RangeError, "width must be an integer from 1 to 200");
    assertThrows(() => progressBar({ width: 2.5 }), RangeError, "not 2.5");
  });

  it("takes a generated wrapper's progress up to the total", async () => {
    const writer = fakeWriter(true);
    const length = 4 << 20;
    using bytes = demo.generate("u8", length);
    using bar = progressBar({ writer, width: 8, unit: "bytes" });
    using bins = await demo.bindings.zc_histogram(bytes, 0, { onProgress: bar, progressInterval: 1 });
    assertEquals(bins.view.reduce((sum, n) => sum + n, 0n), BigInt(length));
    assertEquals(writer.writes.at(-1), "\r[########] 100%  4.0 MB / 4.0 MB\x1b[K");
  });
});
