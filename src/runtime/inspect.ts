/**
 * The key under which an object tells the runtime's console how to print it.
 * A unique symbol, so that classes can name a method by it.
 *
 * @module
 */

/** Deno's custom-inspect key; Node and Bun read `nodejs.util.inspect.custom`, which a class may add beside it. */
export const customInspect: unique symbol = Symbol.for("Deno.customInspect");
