// A child process of prebuilt_test.ts: opens a prebuilt library by URL and hash,
// hands a buffer over and back, and prints the path it loaded.
//   deno run ... _open_remote.ts URL SHA256 CACHE_DIR

import { openRemoteLibrary } from "../../mod.ts";
import { platformKey } from "../../src/library/prebuilt.ts";

const [url, sha256, cacheDir] = Deno.args;
const lib = await openRemoteLibrary({ url, sha256: { [platformKey()]: sha256 }, cacheDir });
{
  using bytes = lib.allocate("u8", 64);
  bytes.view.fill(1);
}
if (lib.stats().liveBuffers !== 0) throw new Error("a buffer was not freed");
console.log(lib.path);
