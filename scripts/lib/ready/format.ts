import { formatDuration, type ReadyEstimate, type ReadyStep } from '../../../apps/model-server/time-to-ready.js';
import { WEIGHT_SOURCES } from '../../../apps/models/model-spec.js';
import type { ModelReadiness } from './estimates.js';

const STEPS: readonly ReadyStep['step'][] = ['node', 'image', 'copy', 'verify', 'load', 'engine'];

const cell = (estimate: ReadyEstimate, step: ReadyStep['step']) => {
  const found = estimate.steps.find((s) => s.step === step);
  return found ? String(found.seconds) : '-';
};

/** One model's estimate as a text table: a row per situation, a column per step (seconds). */
export function formatReadiness(r: ModelReadiness): string {
  const lines = [
    `${r.environment} ${r.model} ${r.version}: weights from ${r.from.toUpperCase()}${r.streamer ? ' (Run:ai streamer)' : ''}, families ${r.families.join(', ')}`,
  ];
  const header = ['', ...STEPS, 'total'];
  const rows = Object.values(r.estimates).map((e) => [
    e.situation,
    ...STEPS.map((step) => cell(e, step)),
    `${e.totalSeconds} s (${formatDuration(e.totalSeconds)}) on ${e.family}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();
  lines.push(line(header), ...rows.map(line));
  const alternatives = WEIGHT_SOURCES.map((from) => `${from} ${formatDuration(r.alternatives[from])}${from === r.from ? ' (chosen)' : ''}`);
  lines.push(`  a scale-up by weight source: ${alternatives.join(', ')}`);
  lines.push(
    `  budgets (2x the first replica): startupProbe ${r.budgets.startupSeconds} s, progress deadline ${r.budgets.progressDeadlineSeconds} s`,
  );
  return lines.join('\n');
}
