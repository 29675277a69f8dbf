import { dump, load } from 'js-yaml';
import { isDeepStrictEqual } from 'node:util';
import { YamlSourceMap } from '../yaml/source-map.js';

/**
 * Adds `models.<model>` to a cluster.yaml as the last entry of its block mapping, indented like
 * the entries already there; every other byte stays as people wrote it. Throws when `models` is
 * not a block mapping (`models: {}`): such a file is edited by hand.
 */
export function addModelEntry(text: string, file: string, model: string, entry: Record<string, unknown>): string {
  const parsed = load(text) as { models?: Record<string, unknown> } | null;
  if (!parsed?.models || typeof parsed.models !== 'object') throw new Error(`${file}: no models mapping to add ${model} to`);
  if (model in parsed.models) throw new Error(`${file}: models.${model} exists already`);
  const source = YamlSourceMap.of(text, file);
  const lines = text.split('\n');
  const modelsIndex = source.lineOf(['models']) - 1;
  const modelsLine = lines[modelsIndex] ?? '';
  if (!/^\s*models:\s*(#.*)?$/.test(modelsLine)) throw new Error(`${file}: models is not a block mapping; add ${model} by hand`);
  const indentOf = (line: string) => line.length - line.trimStart().length;
  const first = Object.keys(parsed.models)[0];
  const entryIndent = first === undefined ? indentOf(modelsLine) + 2 : indentOf(lines[source.lineOf(['models', first]) - 1] ?? '');

  // The block ends before the first line indented no deeper than `models:`; comments and blank
  // lines just before that line belong to what follows.
  let end = modelsIndex + 1;
  while (end < lines.length) {
    const line = lines[end]!;
    if (line.trim() !== '' && !line.trimStart().startsWith('#') && indentOf(line) <= indentOf(modelsLine)) break;
    end++;
  }
  while (end > modelsIndex + 1 && (lines[end - 1]!.trim() === '' || lines[end - 1]!.trimStart().startsWith('#'))) end--;

  const block = dump({ [model]: entry }, { lineWidth: -1 })
    .trimEnd()
    .split('\n')
    .map((line) => ' '.repeat(entryIndent) + line);
  const edited = [...lines.slice(0, end), ...block, ...lines.slice(end)].join('\n');
  const check = (load(edited) as { models: Record<string, unknown> }).models[model];
  if (!isDeepStrictEqual(check, entry)) throw new Error(`${file}: adding models.${model} produced ${JSON.stringify(check)}`);
  return edited;
}
