import { parseEvents, getScalarValue, EVENT_ID, type Event } from 'js-yaml';

/** A path into a parsed YAML value: mapping keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>;

/**
 * Where each node of a YAML document sits in its source text, so that a problem found in the
 * parsed value (by zod, or a cross-file check) can name the line a person has to edit.
 *
 * Built from js-yaml's event stream, which carries source offsets; js-yaml's loaded values and
 * AST do not.
 */
export class YamlSourceMap {
  private readonly lineStarts: number[];

  private constructor(
    text: string,
    private readonly offsets: Map<string, number>,
    /** Offset of each document's first node, in document order. */
    readonly documentOffsets: number[],
  ) {
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** Parses `text` (which must already load without error) and indexes every node. */
  static of(text: string, filename: string): YamlSourceMap {
    return YamlSourceMap.fromEvents(text, parseEvents(text, { filename }));
  }

  /** Indexes an event stream already parsed from `text` (to parse a large file once). */
  static fromEvents(text: string, events: Event[]): YamlSourceMap {
    const offsets = new Map<string, number>();
    const documentOffsets: number[] = [];
    indexEvents(text, events, offsets, documentOffsets);
    return new YamlSourceMap(text, offsets, documentOffsets);
  }

  /**
   * 1-based line of the node at `path` in document `doc`: the line of its key for a mapping
   * entry, of the item for a sequence element. A path that does not exist (a missing field)
   * resolves to its nearest existing ancestor, which is where the field has to be added.
   */
  lineOf(path: YamlPath, doc = 0): number {
    for (let depth = path.length; depth >= 0; depth--) {
      const offset = this.offsets.get(pathKey(doc, path.slice(0, depth)));
      if (offset !== undefined) return this.lineAt(offset);
    }
    return 1;
  }

  /** 1-based line of a source offset. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** Source range [start, end) of a scalar value, for surgical edits that keep everything else. */
  scalarRange(path: YamlPath, doc = 0): { start: number; end: number } | undefined {
    const start = this.offsets.get(pathKey(doc, path) + VALUE_SUFFIX);
    const end = this.offsets.get(pathKey(doc, path) + VALUE_END_SUFFIX);
    return start === undefined || end === undefined ? undefined : { start, end };
  }
}

const VALUE_SUFFIX = '\u0000value';
const VALUE_END_SUFFIX = '\u0000end';

function pathKey(doc: number, path: YamlPath): string {
  return `${doc}\u0000${path.map(String).join('\u0000')}`;
}

type Frame =
  | { kind: 'mapping'; path: YamlPath; key: string | undefined; complexKey: boolean }
  | { kind: 'sequence'; path: YamlPath; index: number }
  | { kind: 'document'; path: YamlPath; done: boolean };

function indexEvents(text: string, events: Event[], offsets: Map<string, number>, documentOffsets: number[]): void {
  const stack: Frame[] = [];
  let doc = -1;

  /** Path of the node about to start in the current container, or undefined for a mapping key. */
  const childPath = (): YamlPath | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return undefined;
    if (top.kind === 'mapping') return top.key === undefined ? undefined : [...top.path, top.key];
    if (top.kind === 'sequence') return [...top.path, top.index];
    return top.path;
  };
  const nodeDone = (): void => {
    const top = stack[stack.length - 1];
    if (!top) return;
    if (top.kind === 'mapping') top.key = undefined;
    else if (top.kind === 'sequence') top.index++;
    else top.done = true;
  };
  const record = (path: YamlPath, offset: number): void => {
    const key = pathKey(doc, path);
    // A mapping entry was already recorded at its key; keep that line, it is the one people read.
    if (!offsets.has(key)) offsets.set(key, offset);
  };

  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        doc++;
        stack.push({ kind: 'document', path: [], done: false });
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const top = stack[stack.length - 1];
        let path = childPath();
        if (path === undefined && top?.kind === 'mapping') {
          // A collection used as a mapping key (`? [a, b]`): our inputs never need one, but the
          // value after it must still land on the right path, so index the key under '?'.
          top.complexKey = true;
          path = [...top.path, '?'];
        }
        path ??= [];
        if (path.length === 0) documentOffsets[doc] = event.start;
        record(path, event.start);
        stack.push(
          event.type === EVENT_ID.MAPPING
            ? { kind: 'mapping', path, key: undefined, complexKey: false }
            : { kind: 'sequence', path, index: 0 },
        );
        break;
      }
      case EVENT_ID.SCALAR:
      case EVENT_ID.ALIAS: {
        const top = stack[stack.length - 1];
        const start = event.type === EVENT_ID.SCALAR ? event.valueStart : event.anchorStart;
        if (top?.kind === 'mapping' && top.key === undefined) {
          const key = event.type === EVENT_ID.SCALAR ? getScalarValue(text, event) : '*';
          top.key = key;
          record([...top.path, key], start);
          break;
        }
        const path = childPath() ?? [];
        if (path.length === 0 && top?.kind === 'document') documentOffsets[doc] = start;
        record(path, start);
        if (event.type === EVENT_ID.SCALAR) {
          offsets.set(pathKey(doc, path) + VALUE_SUFFIX, event.valueStart);
          offsets.set(pathKey(doc, path) + VALUE_END_SUFFIX, event.valueEnd);
        }
        nodeDone();
        break;
      }
      case EVENT_ID.POP: {
        const popped = stack.pop();
        const parent = stack[stack.length - 1];
        if (parent?.kind === 'mapping' && parent.complexKey) {
          parent.complexKey = false;
          parent.key = '?';
        } else if (popped && popped.kind !== 'document') {
          nodeDone();
        }
        break;
      }
    }
  }
}
