/**
 * The safety net of the pointer-view mapping: memory of a buffer that is never
 * disposed goes back to its library after garbage collection, once nothing can
 * reach its `ArrayBuffer`, unless the user moved that `ArrayBuffer` away.
 *
 * @module
 */

import type { Descriptor } from "./descriptor.ts";

/** Frees a descriptor's memory through the library that handed it over. */
export interface Releaser {
  /** Frees the memory once and zeroes the descriptor, so a second call does nothing. */
  release(descriptor: Descriptor): void;
  /**
   * Counts memory left allocated because an `ArrayBuffer` the user moved away
   * may still map it, and says so once per process.
   */
  abandon(descriptor: Descriptor): void;
}

interface Held {
  memory: ArrayBuffer | null;
  readonly descriptor: Descriptor;
  readonly releaser: Releaser;
}

// A pointer-view ArrayBuffer has no deleter, and once the user moves it
// (transfer(), a transfer list) the old one is detached and dies while the new
// one still maps the memory. A registry on the ArrayBuffer alone cannot tell
// that death from a drop, since a dead object's state cannot be read. So the
// net first watches the wrapper, holding its ArrayBuffer: when the wrapper
// dies, a detached ArrayBuffer means it was moved, and its memory is left
// allocated. Otherwise the net moves on to the ArrayBuffer, which views the
// user kept may still reach. What it cannot see is a view kept after its
// wrapper died and then moved: the README says so.
const wrappers = new FinalizationRegistry<Held>((held) => {
  const memory = held.memory!;
  held.memory = null;
  if (memory.detached) held.releaser.abandon(held.descriptor);
  else memories.register(memory, held);
});

const memories = new FinalizationRegistry<Held>((held) => held.releaser.release(held.descriptor));

/**
 * One buffer's place in the safety net. Registering and unregistering cost V8
 * about 200 ns, more than half of what the rest of a handover costs, and most
 * buffers are disposed before their task ends. So a new watch joins the
 * registry at the next microtask checkpoint, and only if it is still watching
 * then. Until then a list holds it, so garbage collection cannot lose it:
 * finalization callbacks never run before that checkpoint anyway. A watch
 * cancelled meanwhile unlinks itself, so a task that disposes what it takes
 * leaves nothing behind, however many it takes.
 */
export class Watch {
  #wrapper: object | null;
  #memory: ArrayBuffer | null;
  readonly #descriptor: Descriptor;
  readonly #releaser: Releaser;
  // In the waiting list, then in the registry, then done (cancelled).
  #phase: "waiting" | "registered" | "done" = "waiting";
  #previous: Watch | null = null;
  #next: Watch | null = null;

  /**
   * Starts watching `wrapper`, which holds `memory`: when both are garbage,
   * `releaser` frees `descriptor`, or abandons it when `memory` was moved away.
   */
  constructor(wrapper: object, memory: ArrayBuffer, descriptor: Descriptor, releaser: Releaser) {
    this.#wrapper = wrapper;
    this.#memory = memory;
    this.#descriptor = descriptor;
    this.#releaser = releaser;
    this.#next = firstWaiting;
    if (firstWaiting !== null) firstWaiting.#previous = this;
    firstWaiting = this;
    if (!joinScheduled) {
      joinScheduled = true;
      queueMicrotask(Watch.#joinWaiting);
    }
  }

  /** Stops watching: the caller frees the memory, or hands it to someone who will. */
  cancel(): void {
    // Unregistered even though release zeroes the descriptor, which would make
    // the callback harmless: the registry holds the ArrayBuffer, and with it
    // the external memory V8 counts for it, forcing full GCs at large sizes.
    if (this.#phase === "registered") wrappers.unregister(this);
    else if (this.#phase === "waiting") this.#unlink();
    this.#phase = "done";
    this.#wrapper = this.#memory = null;
  }

  #unlink(): void {
    const previous = this.#previous;
    const next = this.#next;
    if (previous === null) firstWaiting = next;
    else previous.#next = next;
    if (next !== null) next.#previous = previous;
    this.#previous = this.#next = null;
  }

  static #joinWaiting(): void {
    joinScheduled = false;
    let watch = firstWaiting;
    firstWaiting = null;
    while (watch !== null) {
      const next = watch.#next;
      watch.#previous = watch.#next = null;
      // Only watches still in force are linked: cancelling one unlinks it.
      const held = { memory: watch.#memory, descriptor: watch.#descriptor, releaser: watch.#releaser };
      wrappers.register(watch.#wrapper!, held, watch);
      watch.#phase = "registered";
      watch.#wrapper = watch.#memory = null; // the registry holds them from here on
      watch = next;
    }
  }
}

let firstWaiting: Watch | null = null;
let joinScheduled = false;
