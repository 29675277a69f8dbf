import { constructFromEvents, EVENT_ID, parseEvents, YAMLException, type Event } from 'js-yaml';
import { YamlSourceMap } from '../yaml/source-map.js';
import { describeYamlError, type YamlSyntaxError } from '../yaml/syntax-error.js';

/** One YAML document of a manifest file, with what is needed to point into the file. */
export interface ManifestDocument {
  /** Display path of the file (repository-relative where possible). */
  readonly file: string;
  /** Position of the document in its file, from 0. */
  readonly index: number;
  /** 1-based line in the FILE where the document starts (not relative to the document). */
  readonly line: number;
  readonly value: unknown;
  /** 1-based line in the file of the field at a JSON pointer (or its nearest existing parent). */
  readonly lineOf: (pointer: string) => number;
}

export interface ManifestFile {
  readonly file: string;
  readonly documents: readonly ManifestDocument[];
  /** Set when the file is not valid YAML: nothing in it can be validated. */
  readonly syntaxError?: YamlSyntaxError;
}

/** `/spec/containers/0/name` -> ['spec', 'containers', '0', 'name'] (RFC 6901 unescaping). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Parses a (multi-document) YAML or JSON manifest file once, keeping file-absolute lines. */
export function parseManifestFile(file: string, text: string): ManifestFile {
  let events;
  let values: unknown[];
  try {
    events = parseEvents(text, { filename: file });
    values = constructFromEvents(events, { source: text, filename: file });
  } catch (error) {
    if (error instanceof YAMLException) {
      return { file, documents: [], syntaxError: describeYamlError(error, text) };
    }
    throw error;
  }
  // The full source map indexes every node; build it only when a finding needs a line.
  let source: YamlSourceMap | undefined;
  const sourceMap = () => (source ??= YamlSourceMap.fromEvents(text, events));
  const starts = documentStarts(events);
  const lines = lineCounter(text);
  const documents = values.map((value, index) => ({
    file,
    index,
    line: lines(starts[index] ?? 0),
    value,
    lineOf: (pointer: string) => sourceMap().lineOf(pointerSegments(pointer), index),
  }));
  return { file, documents };
}

/** Offset of each document's first node, from the event stream (cheap: no path index). */
function documentStarts(events: readonly Event[]): number[] {
  const starts: number[] = [];
  let pending = false;
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      pending = true;
      continue;
    }
    if (!pending) continue;
    pending = false;
    if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) starts.push(event.start);
    else if (event.type === EVENT_ID.SCALAR) starts.push(event.valueStart);
    else if (event.type === EVENT_ID.ALIAS) starts.push(event.anchorStart);
    else starts.push(0);
  }
  return starts;
}

/** 1-based line of an offset, counting newlines once per file. */
function lineCounter(text: string): (offset: number) => number {
  const newlines: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines.push(i);
  return (offset) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((newlines[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}
