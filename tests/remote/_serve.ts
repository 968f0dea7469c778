// What the download suites (prebuilt_test.ts, driver_download_test.ts) share: a file served whole or
// spoiled the ways a download can go wrong, and a cache directory's listing.

/**
 * `bytes` as the server's `mode` serves them: "ok" whole, "short" cut in half, "tampered" with one byte
 * flipped; undefined for any other mode, which the suite serves itself.
 */
export function served(bytes: Uint8Array, mode: string): Response | undefined {
  switch (mode) {
    case "ok":
      return new Response(bytes as Uint8Array<ArrayBuffer>);
    case "short":
      return new Response(bytes.subarray(0, bytes.length >> 1) as Uint8Array<ArrayBuffer>);
    case "tampered": {
      const copy = bytes.slice();
      copy[copy.length >> 1] ^= 0xff;
      return new Response(copy as Uint8Array<ArrayBuffer>);
    }
  }
}

/** The names in `path`, sorted; none when it does not exist. */
export async function listDir(path: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(path))).map((entry) => entry.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}
