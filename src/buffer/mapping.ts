/**
 * Mapping: how the memory a descriptor describes becomes an `ArrayBuffer`
 * without a copy, and who frees it. Two implementations, one chosen per library:
 *
 * - `node-api`: the library's Node-API entry (zig/zerocopy/napi.zig, exported by every
 *   `exportAbi()`) wraps the descriptor in an external `ArrayBuffer` whose
 *   finalizer releases it. The release travels with the memory wherever V8
 *   moves it (`transfer()`, `structuredClone`, `postMessage`), garbage
 *   collection alone frees what is dropped, and it works under a path-scoped
 *   `--allow-ffi`.
 * - `pointer-view`: the runtime's raw pointer view (Deno's `UnsafePointerView.getArrayBuffer`), whose
 *   `ArrayBuffer` has no deleter: the owner frees the memory after detaching it,
 *   a `FinalizationRegistry` frees what is dropped, and an `ArrayBuffer` moved
 *   away by the user escapes both. Needs `--allow-ffi` without a path.
 *
 * @module
 */

import { describe, type Descriptor, type KeptWords, RELEASE_WORD, viewKept } from "./descriptor.ts";
import { ELEMENT_INFO, type ElementType } from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import type { Releaser } from "./safety_net.ts";
import { type CallFrame, type FrameEntry, NO_OUT_SLOT, nodeApiFrame, sharedFrame } from "./call_frame.ts";
import { runtime } from "../runtime/current.ts";
import type { PointerObject } from "../runtime/ffi_types.ts";
import type { NodeDlopen, NodeModule } from "../runtime/runtime.ts";

export type { NodeDlopen } from "../runtime/runtime.ts";

/**
 * The two mappings, as `ZeroCopyLibrary.mapping` reports them and `openLibrary({ mapping })` takes them.
 *
 * @example Open with each mapping
 * ```ts
 * import { type MappingKind, openLibrary } from "@zerocopy/zerocopy";
 *
 * const mappings: MappingKind[] = ["node-api", "pointer-view"];
 * const lib = await openLibrary({ mapping: mappings[0] });
 * console.log(lib.mapping); // "node-api"
 * ```
 */
export type MappingKind = "node-api" | "pointer-view";

/**
 * The environment variable that picks the mapping when `openLibrary()` is not told.
 *
 * @example Name the variable in a message
 * ```ts
 * import { MAPPING_ENV_VAR } from "@zerocopy/zerocopy";
 *
 * console.log(`${MAPPING_ENV_VAR}=pointer-view deno test ...`); // ZEROCOPY_MAPPING=pointer-view deno test ...
 * ```
 */
export const MAPPING_ENV_VAR = "ZEROCOPY_MAPPING";

/** What a buffer's owner needs of a mapping, whichever it is. */
export interface Mapping {
  /** Which mapping this is. */
  readonly kind: MappingKind;
  /**
   * Whether the `ArrayBuffer` itself frees the memory when it dies (`node-api`):
   * then no safety net is needed, and moving it away is safe.
   */
  readonly ownsMemory: boolean;
  /**
   * An `ArrayBuffer` over the memory `descriptor` describes, once checked as
   * `describe()` checks it (of type `expected` when given); throws its error
   * for one that fails, owning nothing then. Under `node-api` the `ArrayBuffer`
   * owns the memory from here on and `descriptor` keeps no way to free it.
   */
  map(descriptor: Descriptor, expected: ElementType | undefined): ArrayBuffer;
  /**
   * Detaches `memory` and frees it, once. Its descriptor is `words`, or kept at
   * byte offset `at` of the slab `words` (`viewKept`): viewed only where needed.
   */
  free(memory: ArrayBuffer, words: KeptWords, at: number, owner: Releaser): void;
  /**
   * Detaches `memory` and leaves its ownership in `descriptor`, to give the
   * memory back to Zig or send it to a worker. False when something else
   * (an asynchronous operation) still holds the memory: it is then freed when
   * that lets go, and `descriptor` cannot free it.
   */
  detachInto(memory: ArrayBuffer, descriptor: Descriptor): boolean;
  /** Frees what finalizers on other threads left for a JavaScript thread (`node-api`). */
  settle(): void;
  /**
   * `bytes` zeroed bytes for one nonblocking call's arguments, with a
   * descriptor slot at `outOffset` (8-aligned) when given: the call's views
   * of it, the holds made through it and what the call hands over into the
   * slot outlive an isolate that dies during the call (call_frame.ts). A hold
   * keeps memory allocated even if its `ArrayBuffer` is moved away and dies;
   * the pointer-view mapping needs none, since only zerocopy frees its memory.
   */
  openFrame(bytes: number, outOffset?: number): CallFrame;
  /**
   * Something to keep beside a handle that holds a resource open (an ADBC
   * connection): once it is dropped, because its holder was collected or its
   * worker was terminated, the library closes the handle, unless it was
   * closed already. Undefined where nothing can (the pointer-view mapping,
   * whose finalizers a terminated worker never runs).
   */
  closeWhenGone(handle: bigint): object | undefined;
}

// Making a pointer object allocates in native code (Deno's UnsafePointer.create:
// about 70 ns); pools and allocators hand the same addresses over again and again.
// A pointer object is only an address: caching it holds no memory.
const POINTER_CACHE_SIZE = 256;
const pointers = new Map<number, PointerObject>();

function pointerAt(address: number): PointerObject {
  let pointer = pointers.get(address);
  if (pointer === undefined) {
    if (pointers.size === POINTER_CACHE_SIZE) pointers.clear();
    pointer = runtime.pointers.create(address)!;
    pointers.set(address, pointer);
  }
  return pointer;
}

/**
 * A raw pointer view (Deno: `UnsafePointerView.getArrayBuffer`, which needs
 * `--allow-ffi` without a path, denoland/deno#15511). `renew` is the
 * library's `zc_handover_renew`: only words Zig recorded as handed over are
 * mapped, since JavaScript could have written them, and the record is renewed
 * into the descriptor so that no copy made before maps them again.
 */
export const pointerViewMapping = (renew: (descriptor: Descriptor) => number): Mapping => ({
  kind: "pointer-view",
  ownsMemory: false,
  map(descriptor, expected) {
    // Renewed first, so that the words read below are those Zig recorded, whatever a thread writes meanwhile.
    const owns = descriptor[RELEASE_WORD] !== 0n;
    if (owns && renew(descriptor) !== 1) notHandedOver(descriptor);
    const { address, byteLength } = describe(descriptor, expected);
    // Words that free nothing map nothing: there would be no owner to free what they describe.
    if (!owns && byteLength !== 0) notHandedOver(descriptor);
    return byteLength === 0
      ? new ArrayBuffer(0)
      : runtime.pointers.arrayBuffer(pointerAt(address), byteLength);
  },
  free(memory, words, at, owner) {
    memory.transfer(0);
    owner.release(viewKept(words, at));
  },
  detachInto(memory) {
    memory.transfer(0);
    return true;
  },
  settle() {},
  openFrame: (bytes) => sharedFrame(bytes, () => false, () => {}),
  closeWhenGone: () => undefined,
});

/** What zig/zerocopy/napi.zig puts on `module.exports`. */
export interface NodeApiEntry {
  /**
   * Takes ownership of a handed-over descriptor (its `release` is zeroed) and
   * maps its memory; false, for words Zig did not hand over (or that were
   * mapped already), which name nothing; undefined, taking nothing, for a descriptor that fails
   * `describe()`'s checks (of type tag `expected`, unless 0). Entries without
   * `checksDescriptors` check only the element type and size, and ignore `expected`.
   */
  wrap(descriptor: Descriptor, expected: number): ArrayBuffer | undefined | false;
  /** True when `wrap` makes `describe()`'s checks itself. */
  readonly checksDescriptors?: boolean;
  /**
   * An empty `ArrayBuffer` whose finalizer closes `handle` (a live handle of a
   * kind the library can close; it throws for any other). Entries built before
   * have none.
   */
  closeWhenGone?(handle: bigint): ArrayBuffer;
  /** Detaches an ArrayBuffer; its finalizer frees the memory unless something else still holds it. */
  detach(memory: ArrayBuffer): void;
  /** Detaches `memory` and moves its ownership into `descriptor`; false when something else still holds it. */
  reclaim(memory: ArrayBuffer, descriptor: Descriptor): boolean;
  /**
   * `reclaim` and the release in one call, releasing what the entry kept:
   * false when something else still holds the memory. Missing from entries built before it.
   */
  free?(memory: ArrayBuffer): boolean;
  /** Releases what finalizers on other threads left for a JavaScript thread; returns how many. */
  drain(): number;
  /** The layout manifest, as `zc_layout` returns it. */
  layout(): string;
  /**
   * Keeps the memory at a descriptor's address allocated until as many
   * `unhold`s, whatever happens to its ArrayBuffer; false for a null address.
   * Missing from entries built before pins held memory.
   */
  hold?(descriptor: Descriptor): boolean;
  /** Ends one `hold`; the last releases what was finalized while held. */
  unhold?(descriptor: Descriptor): void;
  /** Call frames (call_frame.ts); missing from entries built before them. */
  openFrame?: FrameEntry["openFrame"];
  /** See {@linkcode FrameEntry.frameHold}. */
  frameHold?: FrameEntry["frameHold"];
  /** See {@linkcode FrameEntry.closeFrame}. */
  closeFrame?: FrameEntry["closeFrame"];
}

/** The Node-API mapping over a library's loaded entry. */
export function nodeApiMapping(entry: NodeApiEntry): Mapping {
  // An entry that checks descriptors spares reading each one in JavaScript
  // (7 % of an 8 KB handover in the bench); JavaScript reads only the refused.
  const checks = entry.checksDescriptors === true;
  return {
    kind: "node-api",
    ownsMemory: true,
    map(descriptor, expected) {
      if (!checks) describe(descriptor, expected);
      const memory = entry.wrap(descriptor, expected === undefined ? 0 : ELEMENT_INFO[expected].tag);
      if (memory) return memory;
      if (memory === false) notHandedOver(descriptor);
      return refused(descriptor, expected);
    },
    // Where detaching defers the finalizer to collection (Node), dispose would
    // free nothing until then: the ownership moves out first and is released here.
    free: runtime.detachFinalizes
      ? (memory) => entry.detach(memory)
      : entry.free !== undefined
      ? (memory) => void entry.free!(memory)
      : (memory, words, at, owner) => {
        const descriptor = viewKept(words, at);
        if (entry.reclaim(memory, descriptor)) owner.release(descriptor);
      },
    detachInto: (memory, descriptor) => entry.reclaim(memory, descriptor),
    settle: () => void entry.drain(),
    openFrame: (bytes, outOffset = NO_OUT_SLOT) =>
      entry.openFrame === undefined
        ? sharedFrame(bytes, (d) => entry.hold?.(d) ?? false, (d) => entry.unhold?.(d))
        : nodeApiFrame(entry as FrameEntry, bytes, outOffset),
    closeWhenGone: (handle) => entry.closeWhenGone?.(handle),
  };
}

/**
 * Throws for words the entry found no hand-over of, after zeroing them: they
 * own nothing, so nothing may free them either.
 */
function notHandedOver(descriptor: Descriptor): never {
  descriptor.fill(0n);
  throw new ZeroCopyError(
    "INVALID_POINTER",
    "The descriptor is not one Zig handed over: it was written or copied in JavaScript, or mapped already. Pass an adopt callback's descriptor only to the Zig function that fills it, and do not write it",
  );
}

/** Throws `describe()`'s error for a descriptor the entry refused to map. */
function refused(descriptor: Descriptor, expected: ElementType | undefined): never {
  describe(descriptor, expected);
  throw new ZeroCopyError(
    "LIBRARY_INVALID",
    "The library's Node-API entry refused a descriptor that zerocopy accepts: rebuild the library with this version of zerocopy",
  );
}

/** The runtime's Node-API loader, loaded on first use; null where there is none. */
export function importNodeDlopen(): Promise<NodeDlopen | null> {
  return runtime.loader.nodeDlopen();
}

/**
 * Loads the Node-API entry of the library at `path`, taking the shared library
 * as it is (no `.node` copy). Null when it cannot: a library built without the
 * entry, a host without Node-API, a relative path with no way to resolve it.
 * The runtime's own permission errors pass through.
 */
export function loadNodeApiEntry(dlopen: NodeDlopen, path: string): NodeApiEntry | null {
  const filename = absolute(path);
  if (filename === undefined) return null;
  const module: NodeModule = { exports: {} };
  try {
    dlopen(module, filename);
  } catch (error) {
    if (runtime.errors.isPermissionError(error)) throw error;
    return null;
  }
  const entry = module.exports as Partial<NodeApiEntry>;
  const names = ["wrap", "detach", "reclaim", "drain", "layout"] as const;
  return names.every((name) => typeof entry[name] === "function") ? entry as NodeApiEntry : null;
}

/**
 * The Node-API loader needs an absolute path, except under Deno's path-scoped
 * `--allow-ffi`, which resolves it itself. Resolving takes the working
 * directory: the runtime's under `--allow-read`, else Linux's `/proc/self/cwd`.
 */
function absolute(path: string): string | undefined {
  if (/^([/\\]|[A-Za-z]:[/\\])/.test(path)) return path;
  if (!runtime.permissions.ffi()) return path;
  if (runtime.permissions.read()) return `${runtime.fs.cwd()}/${path}`;
  if (runtime.os === "linux") return `/proc/self/cwd/${path}`;
  return undefined;
}

/** Checks a mapping asked for by option or environment variable. */
export function checkMappingKind(kind: unknown, source: string): asserts kind is MappingKind | undefined {
  if (kind === undefined || kind === "node-api" || kind === "pointer-view") return;
  throw new ZeroCopyError(
    "INVALID_ARGUMENT",
    `Unknown mapping ${JSON.stringify(kind)} from ${source}: use "node-api" or "pointer-view"`,
  );
}

/**
 * The mapping asked for: the option, else `ZEROCOPY_MAPPING`, else none
 * (node-api when the entry loads). Checked before anything is loaded.
 *
 * @param option The `mapping` option.
 * @param fromEnv `ZEROCOPY_MAPPING`, read only when the option is absent.
 * @returns The mapping asked for, or undefined to take the best that loads.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for an unknown mapping.
 */
export function askedMapping(option: unknown, fromEnv: () => string | undefined): MappingKind | undefined {
  checkMappingKind(option, "the mapping option");
  if (option !== undefined) return option;
  const env = fromEnv();
  checkMappingKind(env, MAPPING_ENV_VAR);
  return env;
}

/** The mapping chosen for a library, and its layout manifest when the Node-API entry read it. */
export interface ChosenMapping {
  readonly mapping: Mapping;
  readonly layout: string | undefined;
}

/**
 * Chooses the mapping for the library at `path`, the fifth step of opening
 * one: node-api when its entry loads and pointer-view was not asked for, else
 * pointer-view. Asked for node-api without an entry, it returns pointer-view
 * when the layout can still be read (the caller refuses it after checking the
 * layout, so that a library of another version is reported as such).
 *
 * @param asked The mapping asked for, if any.
 * @param dlopen The runtime's Node-API loader, or null under pointer-view or without Node-API.
 * @param path The loaded library's path.
 * @param renew The library's `zc_handover_renew`, for the pointer-view mapping.
 * @returns The mapping, and the layout manifest the entry read.
 * @throws {Error} the runtime's `NotCapable` for pointer-view under a path-scoped `--allow-ffi`.
 * @throws {ZeroCopyError} `LIBRARY_INVALID` for node-api asked for and out of reach.
 */
export function chooseMapping(
  asked: MappingKind | undefined,
  dlopen: NodeDlopen | null,
  path: string,
  renew: (descriptor: Descriptor) => number,
): ChosenMapping {
  const entry = dlopen === null ? null : loadNodeApiEntry(dlopen, path);
  if (entry !== null) return { mapping: nodeApiMapping(entry), layout: entry.layout() };
  if (asked === "node-api") {
    // Under a scoped grant the layout cannot be read without the entry.
    if (!runtime.permissions.ffi()) throw noNodeApiEntry(path);
  } else {
    requireUnscopedFfi(path);
  }
  if (!runtime.pointers.available) throw pointerViewUnavailable(path, asked);
  return { mapping: pointerViewMapping(renew), layout: undefined };
}

/** The error for a library that would need the pointer-view mapping where the runtime has no raw pointers. */
function pointerViewUnavailable(path: string, asked: MappingKind | undefined): ZeroCopyError {
  return new ZeroCopyError(
    "UNSUPPORTED_RUNTIME",
    asked === "pointer-view"
      ? `Cannot use the pointer-view mapping for "${path}" in ${runtime.name}: it needs raw pointers, which only Deno's FFI gives; use the node-api mapping (the default)`
      : `Cannot map "${path}"'s buffers in ${runtime.name}: its Node-API entry did not load (a library built without \`zerocopy.exportAbi()\`), and the pointer-view mapping needs Deno`,
  );
}

/** The error for node-api asked for a library whose entry did not load. */
export function noNodeApiEntry(path: string): ZeroCopyError {
  return new ZeroCopyError(
    "LIBRARY_INVALID",
    `Cannot use the node-api mapping for "${path}": its Node-API entry did not load (a library built without \`zerocopy.exportAbi()\`, a relative path without --allow-read, or a host without Node-API); open it with mapping: "pointer-view"`,
  );
}

/**
 * Throws the runtime's own `NotCapable` when `--allow-ffi` is scoped to paths: Deno
 * (2.9) lets a scoped grant open the library but not map its memory with
 * `UnsafePointerView.getArrayBuffer` (denoland/deno#15511), so failing here
 * beats failing at the first handover.
 */
function requireUnscopedFfi(path: string): void {
  if (runtime.permissions.ffi()) return;
  if (!runtime.permissions.ffi(path)) return; // dlopen reports it
  throw runtime.errors.notCapable(
    `Requires ffi access without a path to map "${path}"'s buffers with the pointer-view mapping: Deno allows UnsafePointerView.getArrayBuffer only under an unscoped grant (denoland/deno#15511); run again with --allow-ffi, or let the node-api mapping load`,
  );
}
