// A worker of cache_ffi_test.ts: opens the library as the main thread did and reports which file
// it loaded and the counters it sees.

import { openLibrary } from "../../mod.ts";

self.onmessage = async () => {
  const lib = await openLibrary();
  self.postMessage({ path: lib.path, source: lib.source, liveBuffers: lib.stats().liveBuffers });
};
