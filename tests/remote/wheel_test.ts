// unzipMember on hostile archives: each is refused with LIBRARY_INVALID, never read past its end, never
// inflated past the pinned size, and a member is found only by the exact name pinned.

import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { describe, it } from "@std/testing/bdd";
import { ZeroCopyError } from "../../mod.ts";
import { unzipMember } from "../../src/sql/adbc/wheel.ts";
import { makeWheel } from "./_wheel.ts";

const name = "pkg/libdriver.so";
const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);

async function refused(zip: Uint8Array<ArrayBuffer>, text: string, size = bytes.length, member = name) {
  const error = await assertRejects(() => unzipMember(zip, member, size, "the test wheel"), ZeroCopyError);
  assertEquals(error.code, "LIBRARY_INVALID", error.message);
  assertStringIncludes(error.message, text);
}

describe("unzipMember()", () => {
  it("inflates the member named, deflated or stored, whatever comes around it", async () => {
    const zip = await makeWheel([
      { name: "pkg/__init__.py", bytes: new Uint8Array(10) },
      { name, bytes },
      { name: "pkg/stored.bin", bytes, stored: true },
    ]);
    assertEquals(await unzipMember(zip, name, bytes.length, "w"), bytes);
    assertEquals(await unzipMember(zip, "pkg/stored.bin", bytes.length, "w"), bytes);
  });

  it("finds a member only by its exact name", async () => {
    const zip = await makeWheel([{ name: "../pkg/libdriver.so", bytes }, {
      name: "PKG/libdriver.so",
      bytes,
    }]);
    await refused(zip, "no such member");
  });

  it("refuses what is not a zip archive, or is cut short", async () => {
    await refused(new Uint8Array(0), "not a zip archive");
    await refused(new Uint8Array(1000), "not a zip archive");
    const zip = await makeWheel([{ name, bytes }]);
    await refused(zip.slice(0, zip.length - 5), "not a zip archive");
    await refused(zip.slice(1000), "central directory");
  });

  it("refuses a member that claims, or inflates to, another size than the pinned one", async () => {
    await refused(await makeWheel([{ name, bytes }]), "pinned", bytes.length - 1);
    // Both headers lie: the data inflates to more than the pinned size, and is stopped there.
    await refused(await makeWheel([{ name, bytes, claimedSize: 1000 }]), "more than 1000", 1000);
    await refused(
      await makeWheel([{ name, bytes, claimedSize: bytes.length + 1 }]),
      "inflates to",
      bytes.length + 1,
    );
    await refused(await makeWheel([{ name, bytes, stored: true, claimedSize: 10 }]), "stored size", 10);
  });

  it("refuses data that does not inflate, and methods other than deflate", async () => {
    await refused(await makeWheel([{ name, bytes, stored: true, claimedMethod: 8 }]), "inflate");
    await refused(await makeWheel([{ name, bytes, claimedMethod: 12 }]), "method 12");
  });

  it("refuses a central directory pointing past the data", async () => {
    const zip = await makeWheel([{ name, bytes }]);
    const view = new DataView(zip.buffer);
    const end = zip.length - 22;
    const directory = view.getUint32(end + 16, true);
    const lying = zip.slice();
    new DataView(lying.buffer).setUint32(directory + 42, 0x7fffffff, true); // local header offset
    await refused(lying, "local header");
    const long = zip.slice();
    new DataView(long.buffer).setUint32(directory + 20, 0x7fffffff, true); // compressed size
    await refused(long, "runs past");
    const many = zip.slice();
    new DataView(many.buffer).setUint16(end + 10, 500, true); // entry count
    await refused(many, "central directory is malformed", bytes.length, "pkg/other.so");
  });

  it("refuses names and extra fields whose lengths run past their headers", async () => {
    const zip = await makeWheel([{ name, bytes }]);
    const end = zip.length - 22;
    const directory = new DataView(zip.buffer).getUint32(end + 16, true);
    const longName = zip.slice();
    new DataView(longName.buffer).setUint16(directory + 28, 0xffff, true); // the entry's name length
    await refused(longName, "central directory is malformed");
    const longComment = zip.slice();
    new DataView(longComment.buffer).setUint16(directory + 32, 0xffff, true); // the entry's comment length
    await refused(longComment, "central directory is malformed");
    const longExtra = zip.slice();
    new DataView(longExtra.buffer).setUint16(28, 0xffff, true); // the local header's extra field length
    await refused(longExtra, "runs past");
    const shortDirectory = zip.slice();
    new DataView(shortDirectory.buffer).setUint32(end + 12, 20, true); // a directory shorter than one entry
    await refused(shortDirectory, "central directory is malformed");
  });
});
