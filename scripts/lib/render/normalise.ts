import type { Manifest } from './manifest.js';
import { byCodeUnit } from '../../../platform/core/compare.js';

/** Keys printed first, in this order, wherever they occur; the rest follow sorted. */
const LEADING_KEYS = ['apiVersion', 'kind', 'metadata', 'name', 'namespace'];

/** Label prefix of cdk8s bookkeeping: construct addresses that change when code is refactored. */
const CDK8S_LABEL_PREFIX = 'cdk8s.io/';

/**
 * Makes a synthesised object reviewable and byte-stable: keys in a fixed order (the usual
 * apiVersion/kind/metadata first, then sorted by code unit, independent of locale), server-set
 * fields (status, creationTimestamp) dropped, and cdk8s bookkeeping labels removed. A selector
 * that still needs such a label is a chart bug and fails loudly instead of being rendered.
 */
export function normaliseManifest(manifest: Manifest): Manifest {
  const { status: _status, ...rest } = manifest;
  const copy = normaliseValue(rest, []) as Manifest;
  delete (copy.metadata as Record<string, unknown>).creationTimestamp;
  assertNoBookkeeping(copy, []);
  return copy;
}

function normaliseValue(value: unknown, path: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => normaliseValue(item, path));
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const isLabels = path[path.length - 1] === 'labels' && path[path.length - 2] === 'metadata';
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort(compareKeys)) {
    if (source[key] === undefined) continue;
    if (isLabels && key.startsWith(CDK8S_LABEL_PREFIX)) continue;
    out[key] = normaliseValue(source[key], [...path, key]);
  }
  return out;
}

function compareKeys(a: string, b: string): number {
  const ia = LEADING_KEYS.indexOf(a);
  const ib = LEADING_KEYS.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? LEADING_KEYS.length : ia) - (ib === -1 ? LEADING_KEYS.length : ib);
  return byCodeUnit(a, b);
}

function assertNoBookkeeping(value: unknown, path: readonly string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertNoBookkeeping(item, [...path, String(index)]));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith(CDK8S_LABEL_PREFIX)) {
      throw new Error(
        `chart bug: ${[...path, key].join('.')} uses cdk8s bookkeeping label "${key}"; select on the app.kubernetes.io labels instead`,
      );
    }
    assertNoBookkeeping(child, [...path, key]);
  }
}
