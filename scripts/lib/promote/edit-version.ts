import { load } from 'js-yaml';
import { YamlSourceMap } from '../yaml/source-map.js';

/**
 * Sets `models.<model>.version` in a cluster.yaml by replacing exactly the characters of that
 * scalar: comments, key order, quoting and blank lines stay byte-for-byte as people wrote them
 * (re-dumping the document would lose all of that).
 */
export function setModelVersion(text: string, file: string, model: string, version: string): string {
  const source = YamlSourceMap.of(text, file);
  const range = source.scalarRange(['models', model, 'version']);
  if (!range) throw new Error(`${file}: models.${model}.version not found`);
  const quotedBefore = /['"]/.test(text.charAt(range.start - 1));
  // A plain scalar that YAML would read as something else (1.10 is a number) gets quotes.
  const needsQuotes = !quotedBefore && load(version) !== version;
  const replacement = needsQuotes ? JSON.stringify(version) : version;
  const edited = text.slice(0, range.start) + replacement + text.slice(range.end);

  const check = (load(edited) as { models: Record<string, { version: unknown }> }).models[model]?.version;
  if (check !== version) throw new Error(`${file}: editing models.${model}.version produced ${JSON.stringify(check)}, not "${version}"`);
  return edited;
}
