/**
 * The Node and Bun handover targets, judged from one run of
 * bench/runtimes_bench.ts: each target's figure per size, whether it is met,
 * and, where the runtime's own floor already misses it, what that floor
 * allows (no handover through the same runtime call can do better).
 *
 * @module
 */

/** One runtime's medians: case → size label → nanoseconds per iteration (null where it cannot run). */
export type Results = Record<string, Record<string, number | null>>;

/** One target's verdict in one runtime. */
export interface Verdict {
  /** What is compared, and the bound. */
  readonly target: string;
  /** The figure per size label (a ratio), null where a case did not run. */
  readonly figures: Record<string, number | null>;
  /** Met at every size that ran. */
  readonly met: boolean;
  /** What the runtime's own floor gives for the same figure, when it misses the bound too. */
  readonly floorAllows?: string;
  /** A comparison beside the targets, not one of them. */
  readonly context?: boolean;
}

const ratio = (results: Results, key: string, base: string, label: string): number | null => {
  const value = results[key]?.[label];
  const by = results[base]?.[label];
  return value == null || by == null || by === 0 ? null : value / by;
};

function judge(
  target: string,
  labels: string[],
  figure: (label: string) => number | null,
  ok: (value: number) => boolean,
): Verdict {
  const figures: Record<string, number | null> = {};
  for (const label of labels) figures[label] = figure(label);
  const ran = Object.values(figures).filter((v): v is number => v !== null);
  return { target, figures, met: ran.length > 0 && ran.every(ok) };
}

/**
 * The targets: handover ≤ 1.2× the runtime's floor at every size; copy ÷
 * handover ≥ 10,000 at 100 MB; in Bun, handover ≤ 1.0× and `Region.adopt` ≤
 * 0.2× of `bun:ffi` + `toArrayBuffer` + release.
 */
export function verdicts(runtime: string, results: Results): Verdict[] {
  const labels = Object.keys(results.floor ?? {});
  const out: Verdict[] = [];
  const atMost = (bound: number) => (v: number) => v <= bound;
  out.push(
    judge("handover ÷ floor ≤ 1.2", labels, (l) => ratio(results, "handover", "floor", l), atMost(1.2)),
  );
  if (results.floor_free_steady) {
    out.push(judge(
      "handover ÷ floor that frees, no forced GC ≤ 1.2",
      labels,
      (l) => ratio(results, "handover_steady", "floor_free_steady", l),
      atMost(1.2),
    ));
  }
  const copy = results.copy?.["100 MB"];
  if (copy != null) {
    const handover = results.handover?.["100 MB"];
    const floor = results.floor?.["100 MB"];
    const verdict = judge(
      "copy ÷ handover at 100 MB ≥ 10,000",
      ["100 MB"],
      () => handover == null ? null : copy / handover,
      (v) => v >= 10_000,
    );
    const bound = floor == null ? null : copy / floor;
    out.push(
      bound !== null && bound < 10_000
        ? { ...verdict, floorAllows: `copy ÷ floor ${bound.toFixed(0)}` }
        : verdict,
    );
  }
  if (runtime === "bun" && results.bun_ffi_handover) {
    const handover = judge(
      "handover ÷ bun:ffi + toArrayBuffer + release ≤ 1.0",
      labels,
      (l) => ratio(results, "handover", "bun_ffi_handover", l),
      atMost(1),
    );
    const safe = ratio(results, "bun_ffi_safe", "bun_ffi_handover", "8 KB");
    out.push(
      !handover.met && safe != null && safe > 1
        ? {
          ...handover,
          floorAllows: `at 8 KB, the same bun:ffi path made safe (detach before release) ${safe.toFixed(2)}×`,
        }
        : handover,
    );
    // The same bounds against the bun:ffi path that detaches before it releases, which any handover
    // that never leaves a view onto freed memory has to do.
    out.push({
      ...judge(
        "handover ÷ that path made safe ≤ 1.0",
        labels,
        (l) => ratio(results, "handover", "bun_ffi_safe", l),
        atMost(1),
      ),
      context: true,
    });
    out.push({
      ...judge(
        "region ÷ that path made safe ≤ 0.2",
        labels.filter((l) => results.region?.[l] != null),
        (l) => ratio(results, "region", "bun_ffi_safe", l),
        atMost(0.2),
      ),
      context: true,
    });
    out.push(judge(
      "region ÷ bun:ffi + toArrayBuffer + release ≤ 0.2",
      labels.filter((l) => results.region?.[l] != null),
      (l) => ratio(results, "region", "bun_ffi_handover", l),
      atMost(0.2),
    ));
  }
  return out;
}

/** The verdicts as lines to print under a runtime's figures. */
export function formatVerdicts(list: Verdict[]): string[] {
  return list.map(({ target, figures, met, floorAllows, context }) => {
    const values = Object.entries(figures)
      .map(([label, v]) => `${label} ${v === null ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(2)}`)
      .join(", ");
    const bound = floorAllows === undefined ? "" : ` (the runtime's own floor: ${floorAllows})`;
    return `  ${context ? "beside the targets" : "target"} ${target}: ${
      met ? "met" : "MISSED"
    } — ${values}${bound}`;
  });
}
