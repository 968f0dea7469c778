/// <reference lib="deno.worker" />
// Receives a buffer, drops it without dispose, and collects garbage until the
// safety net has freed it.

import { openLibrary, type TransferredBuffer } from "../../mod.ts";
import { turn } from "../_turn.ts";

const gc = (globalThis as { gc?: () => void }).gc!;

self.onmessage = async (event: MessageEvent<TransferredBuffer>) => {
  const lib = await openLibrary();
  const live = lib.stats().liveBuffers;
  (() => lib.receive(event.data, "f64"))();
  for (let round = 0; round < 50 && lib.stats().liveBuffers >= live; round++) {
    gc();
    await turn();
  }
  self.postMessage({ freed: lib.stats().liveBuffers === live - 1 });
};
