import type { SimulationStep } from './simulate.js';

/*
 * The planner's picture: for each model, one panel of the replicas held (GPUs paid for) and ready
 * (serving) on the left axis and the queue on the right, over the trace's hours. Plain SVG built
 * as a string: no dependency, no clock, no randomness, every number rounded the same way, so the
 * same input gives the same bytes (the file can be committed and diffed).
 */

export interface PlotPanel {
  /** The catalogue model, the panel's title. */
  readonly model: string;
  /** A line under the title (e.g. SLO attainment and cost). */
  readonly subtitle?: string;
  /** The simulation's steps, in time order. */
  readonly steps: readonly SimulationStep[];
}

export interface PlotOptions {
  readonly title?: string;
  /** Width of the picture, px (default 960). */
  readonly width?: number;
}

const PANEL_HEIGHT = 240;
const HEADER = 36;
const MARGIN = { left: 56, right: 64, top: 46, bottom: 34 };
const COLORS = { held: '#c2410c', ready: '#15803d', queue: '#2563eb', axis: '#374151', grid: '#e5e7eb' };

/** An SVG document with one panel per model, in the order given. */
export function plotSvg(panels: readonly PlotPanel[], options: PlotOptions = {}): string {
  const width = options.width ?? 960;
  const height = HEADER + PANEL_HEIGHT * Math.max(panels.length, 1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold" fill="${COLORS.axis}">${escape(options.title ?? 'Capacity plan: replicas and queue over the day')}</text>`,
  ];
  panels.forEach((panel, index) => out.push(...panelSvg(panel, HEADER + index * PANEL_HEIGHT, width)));
  if (panels.length === 0) out.push(`<text x="${MARGIN.left}" y="${HEADER + 40}" fill="${COLORS.axis}">no model to plot</text>`);
  out.push('</svg>', '');
  return out.join('\n');
}

function panelSvg(panel: PlotPanel, top: number, width: number): string[] {
  const steps = panel.steps;
  const x0 = MARGIN.left;
  const x1 = width - MARGIN.right;
  const y0 = top + PANEL_HEIGHT - MARGIN.bottom;
  const y1 = top + MARGIN.top;
  const first = steps[0]?.time ?? 0;
  const stepLength = steps.length > 1 ? steps[steps.length - 1]!.time - steps[steps.length - 2]!.time : 15;
  const last = (steps[steps.length - 1]?.time ?? 0) + stepLength;
  const start = Math.floor(first / 3600) * 3600;
  const end = Math.max(Math.ceil(last / 3600) * 3600, start + 3600);
  const x = (t: number): number => x0 + ((t - start) / (end - start)) * (x1 - x0);
  const replicasTop = niceCeiling(Math.max(1, ...steps.map((s) => s.held)));
  const queueTop = niceCeiling(Math.max(1, ...steps.map((s) => s.backlog)));
  const yReplicas = (n: number): number => y0 - (n / replicasTop) * (y0 - y1);
  const yQueue = (n: number): number => y0 - (n / queueTop) * (y0 - y1);

  const out: string[] = [`<g class="panel" data-model="${escape(panel.model)}">`];
  out.push(`<text x="${x0}" y="${fmt(top + 16)}" font-size="13" font-weight="bold" fill="${COLORS.axis}">${escape(panel.model)}</text>`);
  if (panel.subtitle) out.push(`<text x="${x0}" y="${fmt(top + 31)}" fill="${COLORS.axis}">${escape(panel.subtitle)}</text>`);

  // Grid and axes: an hour tick every hour, labelled every hour up to 12 h, else every 3 h.
  const hours = (end - start) / 3600;
  const labelEvery = hours <= 12 ? 1 : 3;
  for (let h = 0; h <= hours; h++) {
    const t = start + h * 3600;
    const xt = fmt(x(t));
    out.push(`<line x1="${xt}" y1="${fmt(y1)}" x2="${xt}" y2="${fmt(y0)}" stroke="${COLORS.grid}"/>`);
    out.push(`<line x1="${xt}" y1="${fmt(y0)}" x2="${xt}" y2="${fmt(y0 + 4)}" stroke="${COLORS.axis}"/>`);
    if (h % labelEvery === 0)
      out.push(`<text x="${xt}" y="${fmt(y0 + 16)}" text-anchor="middle" fill="${COLORS.axis}">${hourLabel(t)}</text>`);
  }
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const y = fmt(y0 - fraction * (y0 - y1));
    out.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="${COLORS.grid}"/>`);
    out.push(`<text x="${x0 - 6}" y="${y}" dy="4" text-anchor="end" fill="${COLORS.held}">${fmt(fraction * replicasTop)}</text>`);
    out.push(`<text x="${x1 + 6}" y="${y}" dy="4" fill="${COLORS.queue}">${fmt(fraction * queueTop)}</text>`);
  }
  out.push(`<line x1="${x0}" y1="${fmt(y0)}" x2="${x1}" y2="${fmt(y0)}" stroke="${COLORS.axis}"/>`);
  out.push(`<line x1="${x0}" y1="${fmt(y1)}" x2="${x0}" y2="${fmt(y0)}" stroke="${COLORS.axis}"/>`);
  out.push(`<line x1="${x1}" y1="${fmt(y1)}" x2="${x1}" y2="${fmt(y0)}" stroke="${COLORS.axis}"/>`);
  const middle = fmt((y0 + y1) / 2);
  out.push(`<text transform="translate(${fmt(x0 - 40)} ${middle}) rotate(-90)" text-anchor="middle" fill="${COLORS.held}">replicas</text>`);
  out.push(
    `<text transform="translate(${fmt(x1 + 50)} ${middle}) rotate(90)" text-anchor="middle" fill="${COLORS.queue}">queued requests</text>`,
  );

  if (steps.length > 0) {
    const ends = steps.map((s, i) => steps[i + 1]?.time ?? s.time + stepLength);
    const queue = stepPath(steps, ends, x, (s) => yQueue(s.backlog));
    out.push(`<path d="${queue}V${fmt(y0)}H${fmt(x(first))}Z" fill="${COLORS.queue}" fill-opacity="0.15" stroke="none"/>`);
    out.push(`<path d="${queue}" fill="none" stroke="${COLORS.queue}" stroke-width="1"/>`);
    out.push(`<path d="${stepPath(steps, ends, x, (s) => yReplicas(s.held))}" fill="none" stroke="${COLORS.held}" stroke-width="2"/>`);
    out.push(
      `<path d="${stepPath(steps, ends, x, (s) => yReplicas(s.ready))}" fill="none" stroke="${COLORS.ready}" stroke-width="2" stroke-dasharray="5 3"/>`,
    );
  }

  // Legend, top right of the panel.
  const items: Array<[string, string, string]> = [
    ['replicas held (GPUs paid)', COLORS.held, ''],
    ['replicas ready (serving)', COLORS.ready, ' stroke-dasharray="5 3"'],
    ['queue (right axis)', COLORS.queue, ''],
  ];
  items.forEach(([label, color, dash], i) => {
    const lx = x1 - 470 + i * 160;
    const ly = fmt(top + 16);
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 27}" y="${ly}" dy="4" fill="${COLORS.axis}">${escape(label)}</text>`);
  });
  out.push('</g>');
  return out;
}

/** A step line: each value held across its step, consecutive equal values merged. */
function stepPath(
  steps: readonly SimulationStep[],
  ends: readonly number[],
  x: (t: number) => number,
  y: (s: SimulationStep) => number,
): string {
  let d = `M${fmt(x(steps[0]!.time))},${fmt(y(steps[0]!))}`;
  let current = fmt(y(steps[0]!));
  steps.forEach((step, i) => {
    const value = fmt(y(step));
    if (value !== current) {
      d += `V${value}`;
      current = value;
    }
    const next = steps[i + 1];
    if (!next || fmt(y(next)) !== value) d += `H${fmt(x(ends[i]!))}`;
  });
  return d;
}

/** 1, 2, 5 x 10^n at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= value) return factor * power;
  return 10 * power;
}

function hourLabel(seconds: number): string {
  const hour = Math.round(seconds / 3600);
  return hour <= 24 ? `${String(hour).padStart(2, '0')}:00` : `${hour}h`;
}

/** Two decimals at most, no trailing zeros, never "-0". */
function fmt(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
