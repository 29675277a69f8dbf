import { load } from 'js-yaml';
import { isDeepStrictEqual } from 'node:util';
import type { ModelCanarySpec } from '../../../platform/spec/canary-spec.js';
import { setScalars } from '../yaml/edit-scalars.js';
import { YamlSourceMap } from '../yaml/source-map.js';

/*
 * Edits of `models.<model>.canary` in a cluster.yaml (a multi-node model's staged canary), every
 * other byte as people wrote it. Each edit reads the result back and throws unless it holds.
 */

/** A version as written after a key: plain where YAML reads it back as the same string. */
const plain = (value: string) => ((load(`v: ${value}`) as { v?: unknown }).v === value ? value : JSON.stringify(value));

const indentOf = (line: string) => line.length - line.trimStart().length;

type Entry = { version?: unknown; canary?: unknown } | undefined;
const entryOf = (text: string, model: string): Entry => (load(text) as { models?: Record<string, Entry> } | null)?.models?.[model];

function verify(edited: string, file: string, model: string, expect: (entry: Entry) => boolean, what: string): string {
  if (!expect(entryOf(edited, model))) throw new Error(`${file}: ${what} of models.${model} did not read back as intended`);
  return edited;
}

/** Sets the canary (its version and share), adding the block under the model's version line when there is none. */
export function setModelCanary(text: string, file: string, model: string, canary: ModelCanarySpec): string {
  const expected = (entry: Entry) => isDeepStrictEqual(entry?.canary, { version: canary.version, weight: canary.weight });
  const existing = entryOf(text, model);
  if (existing === undefined) throw new Error(`${file}: no models.${model} to give a canary`);
  if (existing.canary !== undefined) {
    // The share is a number: its own characters are replaced (setScalars writes strings), then the version.
    const weight = YamlSourceMap.of(text, file).scalarRange(['models', model, 'canary', 'weight']);
    if (!weight) throw new Error(`${file}: models.${model}.canary.weight not found`);
    const reweighted = text.slice(0, weight.start) + String(canary.weight) + text.slice(weight.end);
    const edited = setScalars(reweighted, file, [{ path: ['models', model, 'canary', 'version'], value: canary.version }]);
    return verify(edited, file, model, expected, 'setting the canary');
  }
  const source = YamlSourceMap.of(text, file);
  const lines = text.split('\n');
  const at = source.lineOf(['models', model, 'version']) - 1;
  const versionLine = lines[at] ?? '';
  if (!/^\s*version:/.test(versionLine)) throw new Error(`${file}: models.${model}.version is not a block entry; add the canary by hand`);
  const pad = ' '.repeat(indentOf(versionLine));
  const step = ' '.repeat(Math.max(2, indentOf(versionLine) - indentOf(lines[source.lineOf(['models', model]) - 1] ?? '')));
  const block = [`${pad}canary:`, `${pad}${step}version: ${plain(canary.version)}`, `${pad}${step}weight: ${canary.weight}`];
  const edited = [...lines.slice(0, at + 1), ...block, ...lines.slice(at + 1)].join('\n');
  return verify(edited, file, model, expected, 'adding the canary');
}

/** Removes the model's canary block (the canary ends: promoted or rolled back). */
export function removeModelCanary(text: string, file: string, model: string): string {
  if (entryOf(text, model)?.canary === undefined) return text;
  const source = YamlSourceMap.of(text, file);
  const lines = text.split('\n');
  const at = source.lineOf(['models', model, 'canary']) - 1;
  const own = indentOf(lines[at] ?? '');
  let end = at + 1;
  while (end < lines.length && (lines[end]!.trim() === '' ? false : indentOf(lines[end]!) > own)) end++;
  const edited = [...lines.slice(0, at), ...lines.slice(end)].join('\n');
  const before = entryOf(text, model) as Record<string, unknown>;
  const { canary: _removed, ...rest } = before;
  return verify(edited, file, model, (entry) => isDeepStrictEqual(entry, rest), 'removing the canary');
}
