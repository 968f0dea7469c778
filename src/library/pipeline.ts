/**
 * Opening a library once it is found (discovery.ts), as one pipeline read top
 * to bottom, each step a function of the step before and the runtime's file
 * system and loader passed in:
 *
 * 1. find: the candidates, most explicit first (discovery.ts);
 * 2. verify: a prebuilt or remote library's bytes, hash-checked (prebuilt.ts);
 * 3. private copy: those bytes, written where only this user can change them (private_copy.ts);
 * 4. load: the file, every symbol bound as optional (load.ts);
 * 5. check the ABI: its version (abi_check.ts);
 * 6. choose the mapping (../buffer/mapping.ts), then check its layouts and symbols (abi_check.ts).
 *
 * A file the user named or built skips steps 2 and 3: it is loaded where it is.
 * Each step is a lower layer that imports none of the others.
 *
 * @module
 */

import { ZeroCopyError } from "../errors.ts";
import { abiSymbols, libzerocopySymbols } from "../abi/symbols.ts";
import {
  askedMapping,
  chooseMapping,
  type ChosenMapping,
  MAPPING_ENV_VAR,
  type MappingKind,
  type NodeDlopen,
  noNodeApiEntry,
} from "../buffer/mapping.ts";
import { runtime } from "../runtime/current.ts";
import type { ForeignLibraryInterface, LoadedLibrary } from "../runtime/ffi_types.ts";
import type { Descriptor } from "../buffer/descriptor.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { readEnv, unreadLibraryEnvNote } from "./env.ts";
import {
  type Candidate,
  LIBRARY_ENV_VAR,
  type LibrarySource,
  type PrebuiltCandidate,
  type RemoteCandidate,
} from "./discovery.ts";
import { resolvePrebuilt, verifiedCopy, type VerifiedLibrary } from "./prebuilt.ts";
import { privateCopy } from "./private_copy.ts";
import { loadFile } from "./load.ts";
import { checkAbiVersion, checkLayoutAndSymbols } from "./abi_check.ts";
import { ZeroCopyLibrary } from "./library.ts";
import { sameFileKey } from "./same_file.ts";
import { checkSupportedHost } from "../runtime/supported_hosts.ts";

/** What the steps after finding need. */
export interface PipelineOptions {
  readonly symbols?: ForeignLibraryInterface;
  readonly mapping?: MappingKind;
  readonly cacheDir?: string;
}

/** A file to load (step 3's result, or a candidate that names one), and why it was chosen. */
export interface LibraryFile {
  readonly path: string;
  readonly source: LibrarySource;
}

/** Step 4's result: a loaded file, its symbols bound as optional. */
export interface LoadedFile extends LibraryFile {
  readonly handle: LoadedLibrary<ForeignLibraryInterface>;
  readonly table: ForeignLibraryInterface;
}

/** Step 6's result: a file whose ABI version was checked, with the mapping chosen for it. */
export interface MappedFile extends LoadedFile {
  readonly chosen: ChosenMapping;
}

/**
 * Steps two to six over the candidates: the first that is there, verified,
 * loaded and checked, wins. `openRemoteLibrary` enters here with its own
 * candidate. A checkout build that `--allow-ffi` does not cover is skipped:
 * a grant scoped to the cache directory must open the prebuilt library.
 *
 * @param candidates Where to look, most explicit first (step 1's result).
 * @param options The symbols, the mapping asked for, the cache directory.
 * @param host The runtime whose file system, permissions and loader to use.
 * @returns The opened library; the same object for the same path, symbols and mapping.
 */
export async function openCandidates(
  candidates: readonly Candidate[],
  options: PipelineOptions,
  host: Runtime = runtime,
): Promise<ZeroCopyLibrary<ForeignLibraryInterface>> {
  checkSupportedHost(host);
  const asked = askedMapping(options.mapping, () => readEnv(MAPPING_ENV_VAR));
  const dlopen = asked === "pointer-view" ? null : await host.loader.nodeDlopen();
  const table = options.symbols === undefined ? libzerocopySymbols : { ...options.symbols, ...abiSymbols };
  const tried: string[] = [];
  const refused: Error[] = [];
  for (const candidate of candidates) {
    try {
      const file = candidate.kind === "file"
        ? candidate
        : await copied(host, await verify(host, candidate, options.cacheDir), candidate.source);
      const library = openFile(host, file, table, asked, dlopen);
      if (library !== null) return library;
      tried.push(`"${file.path} (${file.source})"`);
    } catch (error) {
      const permission = host.errors.isPermissionError(error);
      if (candidate.kind === "file" && candidate.source === "checkout build" && permission) {
        refused.push(error as Error);
        tried.push(`"${candidate.path} (${candidate.source}, not covered by --allow-ffi)"`);
        continue;
      }
      if (refused.length > 0 && permission) {
        throw host.errors.notCapable(
          `${refused[0].message}; and for the ${candidate.source} library: ${(error as Error).message}`,
        );
      }
      throw error;
    }
  }
  if (refused.length > 0) throw refused[0];
  throw new ZeroCopyError(
    "LIBRARY_NOT_FOUND",
    `Cannot find the zerocopy native library; tried ${
      tried.join(", ") || "nothing"
    }${unreadLibraryEnvNote()}: run "zig build" in the zerocopy checkout, or set ${LIBRARY_ENV_VAR} or the path option to the built library`,
  );
}

/** Step 2: the checked bytes of a prebuilt or remote library. */
async function verify(
  host: Runtime,
  candidate: PrebuiltCandidate | RemoteCandidate,
  cacheDir: string | undefined,
): Promise<VerifiedLibrary> {
  return candidate.kind === "prebuilt"
    ? await resolvePrebuilt({ ...candidate.prebuilt, cacheDir }, host)
    : await verifiedCopy({ url: candidate.url, sha256: candidate.sha256, cacheDir }, host);
}

/** Step 3: the private copy of the verified bytes, the file to load. */
async function copied(host: Runtime, verified: VerifiedLibrary, source: LibrarySource): Promise<LibraryFile> {
  return { path: await privateCopy(verified, host), source };
}

const libraries = new Map<string, ZeroCopyLibrary<ForeignLibraryInterface>>();

/**
 * Steps four to six for one file, or the library already opened from it with
 * the same symbols and mapping (the loader hands back the same code for each).
 * Null when there is no such file.
 */
function openFile(
  host: Runtime,
  file: LibraryFile,
  table: ForeignLibraryInterface,
  asked: MappingKind | undefined,
  dlopen: NodeDlopen | null,
): ZeroCopyLibrary<ForeignLibraryInterface> | null {
  const expected = asked ?? (dlopen === null ? "pointer-view" : "node-api");
  const key = `${sameFileKey(host, file.path)}\0${Object.keys(table).sort().join(",")}\0${expected}`;
  const cached = libraries.get(key);
  if (cached) return cached;
  const loaded = load(host, file, table);
  if (loaded === null) return null;
  try {
    const library = bind(chooseMappingFor(checkAbi(loaded), asked, dlopen), asked);
    libraries.set(key, library);
    return library;
  } catch (error) {
    loaded.handle.close();
    throw error;
  }
}

/** Step 4: the file loaded, or null when there is none. */
function load(host: Runtime, file: LibraryFile, table: ForeignLibraryInterface): LoadedFile | null {
  const handle = loadFile(host, file.path, table);
  return handle === null ? null : { ...file, handle, table };
}

/** Step 5: the loaded file, once it reports this module's ABI version. */
function checkAbi(loaded: LoadedFile): LoadedFile {
  checkAbiVersion(loaded.handle.symbols, loaded.path);
  return loaded;
}

/** Step 6: the mapping for the checked file. */
function chooseMappingFor(
  loaded: LoadedFile,
  asked: MappingKind | undefined,
  dlopen: NodeDlopen | null,
): MappedFile {
  // Bound as optional: a library without it is refused by the symbol check that follows.
  const { zc_handover_renew } = loaded.handle.symbols as {
    zc_handover_renew?: ((d: Descriptor) => number) | null;
  };
  const renew = (descriptor: Descriptor) => zc_handover_renew?.(descriptor) ?? 0;
  return { ...loaded, chosen: chooseMapping(asked, dlopen, loaded.path, renew) };
}

/** The layouts and symbols checked against the mapping's manifest, and the library handed back. */
function bind(mapped: MappedFile, asked: MappingKind | undefined): ZeroCopyLibrary<ForeignLibraryInterface> {
  const { path, handle, table, chosen: { mapping, layout } } = mapped;
  checkLayoutAndSymbols(handle.symbols, table, path, layout);
  if (asked === "node-api" && mapping.kind !== "node-api") throw noNodeApiEntry(path);
  return new ZeroCopyLibrary<ForeignLibraryInterface>(
    path,
    mapped.source,
    handle as unknown as LoadedLibrary<typeof abiSymbols>,
    mapping,
  );
}
