/// <reference lib="deno.worker" />
// Receives a view whose ArrayBuffer was moved here with postMessage, and
// imports nothing of zerocopy: the memory must need no library on this side.
// Commands: "check" collects garbage, then reports whether the data is intact;
// "drop" lets go of the view and collects garbage.

const gc = (globalThis as { gc?: () => void }).gc!;
let held: Float64Array | null = null;

self.onmessage = (event: MessageEvent<Float64Array | "check" | "drop">) => {
  if (event.data instanceof Float64Array) {
    held = event.data;
    self.postMessage({ received: held.length });
  } else if (event.data === "check") {
    for (let i = 0; i < 5; i++) gc();
    let intact = held !== null;
    for (let i = 0; intact && i < held!.length; i++) intact = held![i] === i / 2;
    self.postMessage({ intact });
  } else {
    held = null;
    for (let i = 0; i < 5; i++) gc();
    self.postMessage({ dropped: true });
  }
};
