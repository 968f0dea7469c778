/**
 * The safety net: memory of a buffer that is never disposed goes back to its
 * library after garbage collection, once nothing can reach its `ArrayBuffer`.
 *
 * @module
 */

import type { Descriptor } from "./descriptor.ts";

/** Frees a descriptor's memory through the library that handed it over. */
export interface Releaser {
  /** Frees the memory once and zeroes the descriptor, so a second call does nothing. */
  release(descriptor: Descriptor): void;
}

interface Held {
  readonly descriptor: Descriptor;
  readonly releaser: Releaser;
}

// Registered on the ArrayBuffer, not on the wrapper: the memory may only go
// back once neither the wrapper nor any view the user made can reach it.
const registry = new FinalizationRegistry<Held>((held) => held.releaser.release(held.descriptor));

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
  #memory: ArrayBuffer | null;
  readonly #descriptor: Descriptor;
  readonly #releaser: Releaser;
  #registered = false;
  #previous: Watch | null = null;
  #next: Watch | null = null;
  #waiting = true;

  /** Starts watching `memory`: when it is collected, `releaser` frees `descriptor`. */
  constructor(memory: ArrayBuffer, descriptor: Descriptor, releaser: Releaser) {
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
    // the callback harmless: a registered ArrayBuffer survives minor GCs, and
    // with it the external memory V8 counts for it, forcing full GCs at large sizes.
    if (this.#registered) registry.unregister(this);
    this.#registered = false;
    if (this.#waiting) this.#unlink();
    this.#memory = null;
  }

  #unlink(): void {
    const previous = this.#previous;
    const next = this.#next;
    if (previous === null) firstWaiting = next;
    else previous.#next = next;
    if (next !== null) next.#previous = previous;
    this.#previous = this.#next = null;
    this.#waiting = false;
  }

  static #joinWaiting(): void {
    joinScheduled = false;
    let watch = firstWaiting;
    firstWaiting = null;
    while (watch !== null) {
      const next = watch.#next;
      watch.#waiting = false;
      watch.#previous = watch.#next = null;
      // Only watches still in force are linked: cancelling one unlinks it.
      registry.register(watch.#memory!, { descriptor: watch.#descriptor, releaser: watch.#releaser }, watch);
      watch.#registered = true;
      watch.#memory = null; // the registry holds it weakly from here on
      watch = next;
    }
  }
}

let firstWaiting: Watch | null = null;
let joinScheduled = false;
