import { load } from 'js-yaml';
import { YamlSourceMap, type YamlPath } from './source-map.js';

export interface ScalarEdit {
  readonly path: YamlPath;
  readonly value: string;
  /** Always double-quote the value (placeholders: plain text with parentheses and commas reads badly). */
  readonly quote?: boolean;
}

/**
 * Replaces exactly the characters of each scalar at `edits[].path` with a string value: comments,
 * key order, quoting and blank lines stay byte for byte as people wrote them (re-dumping the
 * document would lose all of that). A value YAML would read as something else (1.10 is a number,
 * `FILL(x): y` a mapping) is written double-quoted. Throws when a path is not a scalar of `text`
 * or the edited text does not read back as intended.
 */
export function setScalars(text: string, file: string, edits: readonly ScalarEdit[]): string {
  const source = YamlSourceMap.of(text, file);
  const ranges = edits.map((edit) => {
    const range = source.scalarRange(edit.path);
    if (!range) throw new Error(`${file}: ${edit.path.join('.')} not found`);
    // A quoted scalar's range is its content: take the quotes too, the value is quoted afresh.
    const quoted = /['"]/.test(text.charAt(range.start - 1)) && text.charAt(range.end) === text.charAt(range.start - 1);
    return { ...edit, start: quoted ? range.start - 1 : range.start, end: quoted ? range.end + 1 : range.end, quoted };
  });
  let edited = text;
  for (const r of [...ranges].sort((a, b) => b.start - a.start)) {
    const replacement = !r.quote && !r.quoted && readsAsPlain(r.value) ? r.value : JSON.stringify(r.value);
    edited = edited.slice(0, r.start) + replacement + edited.slice(r.end);
  }
  const reread = load(edited);
  for (const edit of edits) {
    const found = edit.path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], reread);
    if (found !== edit.value)
      throw new Error(`${file}: editing ${edit.path.join('.')} produced ${JSON.stringify(found)}, not ${JSON.stringify(edit.value)}`);
  }
  return edited;
}

/** Whether `value` written unquoted after a key reads back as that same string. */
function readsAsPlain(value: string): boolean {
  try {
    return (load(`v: ${value}`) as { v?: unknown } | null)?.v === value;
  } catch {
    return false;
  }
}
