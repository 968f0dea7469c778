/**
 * The Region or Ring a generated wrapper hands over into, proved to be one:
 * the wrapper calls Zig with the out-parameter the region or ring gives its
 * callback, so an object that only looks like one (a forged `adopt` or `next`,
 * an own property shadowing the method) could give Zig memory too small for
 * it. The checks read the classes' own getters, which throw for an object the
 * class did not construct, and call the classes' own methods.
 *
 * @module
 */

import type { ElementType, TypedArrayOf } from "../abi/element_types.ts";
import { ZeroCopyError } from "../errors.ts";
import { what } from "../buffer/gate.ts";
import { read } from "../buffer/_memory_of.ts";
import { type HandOverTarget, Region } from "./region.ts";
import { Ring, type RingSlot } from "./ring.ts";

const getter = (of: object, key: string) => Object.getOwnPropertyDescriptor(of, key)!.get!;
const regionDisposed = getter(Region.prototype, "disposed");
const ringType = getter(Ring.prototype, "type");
const { adopt, adoptBatch } = Region.prototype;
const { next } = Ring.prototype;

/**
 * The handovers a generated wrapper makes into a Region it was passed.
 *
 * @example Carve a slice through the target
 * ```ts
 * import { gateRegion, openLibrary, Region, type RegionTarget } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * using region = Region.create(lib, 64);
 * const target: RegionTarget = gateRegion(region, "zc_region_generate_f64", "out");
 * console.log(target.adopt("f64", (out) => lib.symbols.zc_region_generate_f64(2, out)).length); // 2
 * ```
 */
export interface RegionTarget {
  /** `Region.prototype.adopt` on the region. */
  adopt<T extends ElementType>(type: T, call: (out: HandOverTarget) => number | void): TypedArrayOf[T];
  /** `Region.prototype.adoptBatch` on the region. */
  adoptBatch<T extends ElementType>(type: T, call: (out: HandOverTarget) => number | void): TypedArrayOf[T][];
}

/**
 * Proves `value` is a Region, for a wrapper of a function that hands over into
 * one (`*zerocopy.RegionOut(T)`, `*zerocopy.BatchOut(T)`).
 *
 * @param value What the caller passed.
 * @param call The function called, for the message.
 * @param name The parameter's name, for the message.
 * @returns The region's own handovers, whatever properties `value` carries.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a Region.
 *
 * @example Hand over into a region as a generated wrapper does
 * ```ts
 * import { gateRegion, openLibrary, Region } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * using region = Region.create(lib, 64);
 * const target = gateRegion(region, "zc_region_generate_u8", "out");
 * console.log(target.adopt("u8", (out) => lib.symbols.zc_region_generate_u8(4, out))); // Uint8Array(4) [ 0, 1, 2, 3 ]
 * ```
 */
export function gateRegion(value: unknown, call: string, name: string): RegionTarget {
  if (read(regionDisposed, value) === undefined) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Argument "${name}" of ${call} is ${what(value)}, not a Region: pass one made by Region.create()`,
    );
  }
  return {
    adopt: (type, hand) => Reflect.apply(adopt, value, [type, hand]),
    adoptBatch: (type, hand) => Reflect.apply(adoptBatch, value, [type, hand]),
  };
}

/**
 * Proves `value` is a Ring of `type`, for a wrapper of a function that hands
 * over into one (`*zerocopy.RingOut(T)`): Zig fills a slot as `type` elements.
 *
 * @typeParam T The element type the function writes.
 * @param value What the caller passed.
 * @param type The element type the function writes.
 * @param call The function called, for the message.
 * @param name The parameter's name, for the message.
 * @returns The ring's own `next`, whatever properties `value` carries.
 * @throws {ZeroCopyError} `INVALID_ARGUMENT` for anything but a Ring;
 * `INVALID_ELEMENT_TYPE` for a ring of another element type.
 *
 * @example Fill a slot as a generated wrapper does
 * ```ts
 * import { gateRing, openLibrary, Ring } from "@zerocopy/zerocopy";
 *
 * const lib = await openLibrary();
 * using ring = Ring.create(lib, "u8", { slots: 2, slotLength: 8 });
 * using slot = gateRing(ring, "u8", "zc_ring_generate_u8", "out").next((out) => lib.symbols.zc_ring_generate_u8(7, 4, out));
 * console.log(slot.view.length); // 4
 * ```
 */
export function gateRing<T extends ElementType>(
  value: unknown,
  type: T,
  call: string,
  name: string,
): { next(call: (out: HandOverTarget) => number | void): RingSlot<T> } {
  const actual = read(ringType, value);
  if (actual === undefined) {
    throw new ZeroCopyError(
      "INVALID_ARGUMENT",
      `Argument "${name}" of ${call} is ${
        what(value)
      }, not a Ring: pass one made by Ring.create(library, "${type}", ...)`,
    );
  }
  if (actual !== type) {
    throw new ZeroCopyError(
      "INVALID_ELEMENT_TYPE",
      `Argument "${name}" of ${call} is a Ring of "${actual}", where ${call} writes "${type}" elements: pass a Ring of "${type}"`,
    );
  }
  return { next: (hand) => Reflect.apply(next, value, [hand]) };
}
