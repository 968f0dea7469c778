// What a careless or hostile caller does, in every runtime: use after dispose, detached and
// resizable memory, the wrong TypedArray, forged handles and pointers, lying lengths.

import { lend, openDemo, openLibrary, type TransferredBuffer } from "@zerocopy/zerocopy";
import { equal, runtimeName, settledStats, test, throwsCode } from "./_harness.ts";

const demo = await openDemo();
const lib = demo.library;

test(`${runtimeName}: every use of a disposed buffer is a typed error`, () => {
  const buffer = demo.generate("u8", 16);
  buffer[Symbol.dispose]();
  throwsCode(() => buffer.view, "DISPOSED");
  throwsCode(() => demo.checksum(buffer), "DISPOSED");
  throwsCode(() => buffer.transfer(), "DISPOSED");
});

test(`${runtimeName}: detached memory is refused, not read`, () => {
  const values = new Float64Array(4);
  values.buffer.transfer();
  throwsCode(() => lend(values), "DETACHED");
  const buffer = demo.generate("f64", 8);
  buffer.view.buffer.transfer();
  throwsCode(() => demo.checksum(buffer), "MOVED");
  buffer[Symbol.dispose]();
});

test(`${runtimeName}: the wrong TypedArray and plain arrays are refused`, () => {
  throwsCode(() => demo.bindings.zc_sum_f64(new Int32Array(4) as never), "INVALID_ELEMENT_TYPE");
  throwsCode(() => demo.bindings.zc_sum_f64([1, 2] as never), "INVALID_ARGUMENT");
});

test(`${runtimeName}: forged transfers, descriptors and pointers are refused`, () => {
  const forged = { handle: 12345n, transferList: [] } as unknown as TransferredBuffer;
  throwsCode(() => lib.receive(forged), "INVALID_ARGUMENT");
  throwsCode(() => demo.checksum({ descriptor: new BigUint64Array(6) } as never), "INVALID_ARGUMENT");
  const buffer = demo.generate("u8", 8);
  if (runtimeName !== "deno") throwsCode(() => buffer.unsafePointer, "UNSUPPORTED_RUNTIME");
  buffer[Symbol.dispose]();
});

test(`${runtimeName}: lengths beyond what can be addressed are typed errors`, () => {
  throwsCode(() => demo.generate("f64", -1), "INVALID_LENGTH");
  throwsCode(() => demo.generate("f64", 2 ** 60), "SIZE_OVERFLOW");
  throwsCode(() => demo.generate("nope" as never, 4), "INVALID_ELEMENT_TYPE");
});

test(`${runtimeName}: the pointer-view mapping is refused with a typed error`, async () => {
  let code: string | undefined;
  try {
    await openLibrary({ path: lib.path, mapping: "pointer-view" });
  } catch (error) {
    code = (error as { code?: string }).code;
  }
  equal(code, runtimeName === "deno" ? undefined : "UNSUPPORTED_RUNTIME");
});

// The descriptor's words (zig/zerocopy/abi.zig): ptr, len, cap, release, private, element type and flags.
const PTR = 0, LEN = 1, RELEASE = 3;

test(`${runtimeName}: words an adopt callback wrote over its descriptor are refused, neither mapped nor freed`, async () => {
  const before = await settledStats(() => lib.stats());
  const forgeries: [number, bigint][] = [[PTR, 0x10000n], [LEN, 1n << 40n], [RELEASE, 0x41414141n]];
  for (const [word, value] of forgeries) {
    const genuine = new BigUint64Array(6);
    throwsCode(() =>
      lib.adopt("f64", (out) => {
        const status = lib.symbols.zc_generate_f64(4n, out);
        genuine.set(out);
        out[word] = value;
        return status;
      }), "INVALID_POINTER");
    // What Zig did hand over is freed through the words it wrote, once.
    lib.symbols.zc_release(genuine as never);
  }
  equal(lib.stats().liveBuffers, before.liveBuffers);
});

test(`${runtimeName}: a descriptor an adopt call kept owns nothing, and a nested adopt has its own`, async () => {
  const before = await settledStats(() => lib.stats());
  let kept: BigUint64Array | undefined;
  let inner: ReturnType<typeof lib.adopt<"f64">> | undefined;
  const outer = lib.adopt("f64", (out) => {
    kept = out;
    const status = lib.symbols.zc_generate_f64(5n, out);
    inner = lib.adopt("f64", (own) => lib.symbols.zc_generate_f64(3n, own));
    return status;
  });
  equal(Array.from(kept!, Number), [0, 0, 0, 0, 0, 0]);
  lib.symbols.zc_release(kept as never);
  equal([outer.view.length, outer.view[4], inner!.view.length, inner!.view[2]], [5, 2, 3, 1]);
  outer[Symbol.dispose]();
  inner![Symbol.dispose]();
  equal(lib.stats().liveBuffers, before.liveBuffers);
});
