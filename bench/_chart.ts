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
  /** Dashed lines mark references (floors) rather than approaches. */
  readonly dashed?: boolean;
}

const WIDTH = 860;
const HEIGHT = 520;
const MARGIN = { left: 80, right: 250, top: 40, bottom: 60 };

/** Draws `series` as an SVG document titled `title`. */
export function costVsSizeSvg(title: string, series: readonly Series[]): string {
  const points = series.flatMap((s) => s.points);
  const xDecades = decades(points.map((p) => p.bytes));
  const yDecades = decades(points.map((p) => p.ns));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (bytes: number) =>
    MARGIN.left + ((Math.log10(bytes) - xDecades.low) / (xDecades.high - xDecades.low)) * plotWidth;
  const y = (ns: number) =>
    MARGIN.top + plotHeight - ((Math.log10(ns) - yDecades.low) / (yDecades.high - yDecades.low)) * plotHeight;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  for (let d = xDecades.low; d <= xDecades.high; d++) {
    const at = x(10 ** d);
    parts.push(
      `<line x1="${at}" y1="${MARGIN.top}" x2="${at}" y2="${MARGIN.top + plotHeight}" stroke="#ddd"/>`,
      `<text x="${at}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${
        bytesLabel(10 ** d)
      }</text>`,
    );
  }
  for (let d = yDecades.low; d <= yDecades.high; d++) {
    const at = y(10 ** d);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${at}" x2="${MARGIN.left + plotWidth}" y2="${at}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 8}" y="${at + 4}" text-anchor="end">${timeLabel(10 ** d)}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${
      HEIGHT - 16
    }" text-anchor="middle">buffer size (bytes, log)</text>`,
    `<text transform="translate(18 ${
      MARGIN.top + plotHeight / 2
    }) rotate(-90)" text-anchor="middle">median time per operation (log)</text>`,
  );
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const path = s.points.map((p, j) =>
      `${j === 0 ? "M" : "L"}${x(p.bytes).toFixed(1)},${y(p.ns).toFixed(1)}`
    );
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    parts.push(`<path d="${path.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of s.points) {
      parts.push(
        `<circle cx="${x(p.bytes).toFixed(1)}" cy="${y(p.ns).toFixed(1)}" r="3" fill="${s.color}"/>`,
      );
    }
    const legendY = MARGIN.top + 10 + i * 20;
    const legendX = MARGIN.left + plotWidth + 16;
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

/** The whole decades that enclose `values`, as base-10 exponents. */
function decades(values: readonly number[]): { low: number; high: number } {
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.ceil(Math.log10(Math.max(...values)));
  return { low, high: Math.max(high, low + 1) };
}

function bytesLabel(bytes: number): string {
  const exponent = Math.round(Math.log10(bytes));
  return `10^${exponent}`;
}

/** A power of ten in nanoseconds as ns, µs, ms or s. */
export function timeLabel(ns: number): string {
  if (ns >= 1e9) return `${ns / 1e9} s`;
  if (ns >= 1e6) return `${ns / 1e6} ms`;
  if (ns >= 1e3) return `${ns / 1e3} µs`;
  return `${ns} ns`;
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
