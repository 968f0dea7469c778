/**
 * The report's chart: cost against size on log-log axes, as a hand-written SVG
 * with no dependencies.
 *
 * @module
 */

/** One line of the chart: a name and its (bytes, nanoseconds) points. */
export interface Series {
  /** The legend's label. */
  readonly name: string;
  /** A CSS colour. */
  readonly color: string;
  /** Measured points; sizes with no measurement are left out. */
  readonly points: readonly { bytes: number; ns: number }[];
  /** Dashed lines mark references (floors, unsafe paths) rather than approaches. */
  readonly dashed?: boolean;
}

/** A labelled tick on the size axis. */
export interface SizeTick {
  /** Bytes. */
  readonly bytes: number;
  /** The label under the axis. */
  readonly label: string;
}

const WIDTH = 880;
const HEIGHT = 520;
const MARGIN = { left: 70, right: 250, top: 40, bottom: 56 };

/** Draws `series` as an SVG document titled `title`, with the size axis ticked at `ticks`. */
export function costVsSizeSvg(title: string, ticks: readonly SizeTick[], series: readonly Series[]): string {
  const points = series.flatMap((s) => s.points);
  const xRange = logRange([...points.map((p) => p.bytes), ...ticks.map((t) => t.bytes)], 0.15);
  const yRange = decades(points.map((p) => p.ns));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (bytes: number) => MARGIN.left + scale(bytes, xRange) * plotWidth;
  const y = (ns: number) => MARGIN.top + plotHeight - scale(ns, yRange) * plotHeight;
  const bottom = MARGIN.top + plotHeight;
  const right = MARGIN.left + plotWidth;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  for (const tick of ticks) {
    const at = x(tick.bytes).toFixed(1);
    parts.push(
      `<line x1="${at}" y1="${MARGIN.top}" x2="${at}" y2="${bottom}" stroke="#e4e4e4"/>`,
      `<text x="${at}" y="${bottom + 18}" text-anchor="middle">${escape(tick.label)}</text>`,
    );
  }
  for (let exponent = yRange.low; exponent <= yRange.high; exponent++) {
    const at = y(10 ** exponent);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${at.toFixed(1)}" x2="${right}" y2="${
        at.toFixed(1)
      }" stroke="#e4e4e4"/>`,
      `<text x="${MARGIN.left - 8}" y="${(at + 4).toFixed(1)}" text-anchor="end">${
        timeLabel(exponent)
      }</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${
      HEIGHT - 14
    }" text-anchor="middle">buffer size (log scale)</text>`,
    `<text transform="translate(16 ${
      MARGIN.top + plotHeight / 2
    }) rotate(-90)" text-anchor="middle">median time per operation (log scale)</text>`,
  );
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    const path = s.points.map((p, j) =>
      `${j === 0 ? "M" : "L"}${x(p.bytes).toFixed(1)},${y(p.ns).toFixed(1)}`
    );
    parts.push(`<path d="${path.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of s.points) {
      parts.push(
        `<circle cx="${x(p.bytes).toFixed(1)}" cy="${y(p.ns).toFixed(1)}" r="3" fill="${s.color}"/>`,
      );
    }
    const legendX = right + 16;
    const legendY = MARGIN.top + 10 + i * 22;
    parts.push(
      `<line x1="${legendX}" y1="${legendY}" x2="${
        legendX + 24
      }" y2="${legendY}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${legendX + 30}" y="${legendY + 4}">${escape(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

interface LogRange {
  low: number;
  high: number;
}

/** Where `value` falls between the range's ends on a log scale, 0 to 1. */
function scale(value: number, range: LogRange): number {
  return (Math.log10(value) - range.low) / (range.high - range.low);
}

/** The whole decades that enclose `values`, as base-10 exponents. */
function decades(values: readonly number[]): LogRange {
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.ceil(Math.log10(Math.max(...values)));
  return { low, high: Math.max(high, low + 1) };
}

/** The exponents of `values`' extremes, widened by `padding` decades on each side. */
function logRange(values: readonly number[], padding: number): LogRange {
  return { low: Math.log10(Math.min(...values)) - padding, high: Math.log10(Math.max(...values)) + padding };
}

/** 10^exponent nanoseconds as ns, µs, ms or s. */
function timeLabel(exponent: number): string {
  const units = ["ns", "µs", "ms", "s"];
  const unit = Math.min(Math.floor(exponent / 3), units.length - 1);
  return `${10 ** (exponent - 3 * unit)} ${units[unit]}`;
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
