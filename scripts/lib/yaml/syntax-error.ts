import type { YAMLException } from 'js-yaml';

/** A YAML syntax error, located for the person who has to fix it. */
export interface YamlSyntaxError {
  /** 1-based line and column of the place to look at. */
  readonly line: number;
  readonly column: number;
  /** js-yaml's reason, or for an unclosed `[`/`{` where it was opened and where js-yaml stopped. */
  readonly reason: string;
  /** The lines around the place, numbered, with a caret under its column. */
  readonly snippet: string;
}

/**
 * Describes js-yaml's syntax error in `text`. js-yaml reports where it gave up, which for an
 * unclosed flow collection (`zones: [a, b` without `]`) is the next line, as "deficient
 * indentation": nothing on that line is wrong. Then the bracket that was never closed is the
 * place to look at, and the reason says so.
 */
export function describeYamlError(error: YAMLException, text: string): YamlSyntaxError {
  const position = Math.min(error.mark?.position ?? 0, text.length);
  const stop = locate(text, position);
  const opener = unclosedFlowAt(text, position);
  if (opener !== undefined) {
    const open = locate(text, opener.offset);
    const close = opener.bracket === '[' ? ']' : '}';
    return {
      line: open.line,
      column: open.column,
      reason: `unclosed ${opener.bracket} opened at line ${open.line}; expected a closing ${close} (js-yaml stopped at line ${stop.line}, column ${stop.column}: ${error.reason})`,
      snippet: snippet(text, open.line, open.column),
    };
  }
  return { line: stop.line, column: stop.column, reason: error.reason, snippet: snippet(text, stop.line, stop.column) };
}

/** 1-based line and column of an offset. */
function locate(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const CONTEXT_BEFORE = 2;
const CONTEXT_AFTER = 2;

/**
 * ```
 *   2 | aws:
 *   3 |   zones: [us-east-1a, us-east-1b
 *     |          ^
 *   4 |   region: us-west-2
 * ```
 */
export function snippet(text: string, line: number, column: number): string {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  // A position at the very end of a file that ends with a newline is on the empty last line.
  const last = lines.length > 1 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  const first = Math.max(1, line - CONTEXT_BEFORE);
  const end = Math.min(Math.max(last, line), line + CONTEXT_AFTER);
  const width = String(end).length;
  const out: string[] = [];
  for (let n = first; n <= end; n++) {
    const source = lines[n - 1] ?? '';
    out.push(`${String(n).padStart(width)} | ${source}`.trimEnd());
    if (n === line) {
      // Tabs before the column stay tabs, so the caret lines up however the terminal shows them.
      const pad = source.slice(0, column - 1).replace(/[^\t]/g, ' ');
      out.push(`${' '.repeat(width)} | ${pad}^`);
    }
  }
  return out.join('\n');
}

interface FlowOpener {
  readonly bracket: '[' | '{';
  readonly offset: number;
}

/**
 * The innermost `[` or `{` still open at `position` when it cannot continue there: it was opened
 * on an earlier line, and at `position` the block structure resumes (a line indented no deeper
 * than the opener's, or the end of the file). Undefined for an error inside a flow collection that
 * is still going (a missing comma), or outside any.
 */
function unclosedFlowAt(text: string, position: number): FlowOpener | undefined {
  const open = openFlows(text, position);
  const innermost = open[open.length - 1];
  if (innermost === undefined) return undefined;
  const openerLine = lineBounds(text, innermost.offset);
  if (position < openerLine.end) return undefined;
  const atEnd = text.slice(position).trim() === '';
  const here = lineBounds(text, position);
  return atEnd || indentation(text, here.start) <= indentation(text, openerLine.start) ? innermost : undefined;
}

function lineBounds(text: string, offset: number): { start: number; end: number } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const newline = text.indexOf('\n', offset);
  return { start, end: newline === -1 ? text.length : newline };
}

function indentation(text: string, lineStart: number): number {
  let i = lineStart;
  while (text[i] === ' ') i++;
  return i - lineStart;
}

const isBlank = (c: string | undefined) => c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * The flow collections open at `end`, outermost first: a small scan that knows YAML well enough
 * for that (comments, quoted scalars, block scalars, and that `[` only opens a collection where a
 * node starts in block context, while `see [docs` is a plain scalar).
 */
function openFlows(text: string, end: number): FlowOpener[] {
  const stack: FlowOpener[] = [];
  let i = 0;
  let lineIndent = 0;
  let nodeStart = true;
  let atLineStart = true;
  /** Set after a `|` or `>` header: lines indented deeper than this are the scalar's content. */
  let blockScalarParent: number | undefined;
  const skipLine = () => {
    const newline = text.indexOf('\n', i);
    i = newline === -1 ? text.length : newline;
  };
  while (i < end) {
    if (atLineStart) {
      let k = i;
      while (text[k] === ' ') k++;
      const empty = k >= text.length || text[k] === '\n' || text[k] === '\r';
      if (blockScalarParent !== undefined && stack.length === 0 && (empty || k - i > blockScalarParent)) {
        skipLine();
        if (i < text.length) i++;
        continue;
      }
      blockScalarParent = undefined;
      atLineStart = false;
      lineIndent = k - i;
      if (stack.length === 0) nodeStart = true;
      i = k;
      continue;
    }
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\n') {
      atLineStart = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' && (i === 0 || isBlank(text[i - 1]))) {
      skipLine();
      continue;
    }
    if (nodeStart && (c === '"' || c === "'")) {
      i = afterQuoted(text, i);
      nodeStart = false;
      continue;
    }
    if (stack.length > 0) {
      if (c === '[' || c === '{') {
        stack.push({ bracket: c, offset: i });
        nodeStart = true;
      } else if (c === ']' || c === '}') {
        stack.pop();
        nodeStart = false;
      } else if (c === ',' || (c === ':' && (isBlank(next) || next === ',' || next === ']' || next === '}'))) {
        nodeStart = true;
      } else if (!(nodeStart && (c === '?' || c === '&' || c === '!') && isBlank(next))) {
        nodeStart = false;
      }
      i++;
      continue;
    }
    if (nodeStart && (c === '[' || c === '{')) {
      stack.push({ bracket: c, offset: i });
      nodeStart = true;
    } else if ((c === ':' || (nodeStart && (c === '-' || c === '?'))) && isBlank(next)) {
      nodeStart = true;
    } else if (nodeStart && (c === '|' || c === '>')) {
      blockScalarParent = lineIndent;
      skipLine();
      continue;
    } else if (nodeStart && (c === '&' || c === '!')) {
      // An anchor or a tag comes before the node it names.
      while (i < end && !isBlank(text[i])) i++;
      continue;
    } else {
      nodeStart = false;
    }
    i++;
  }
  return stack;
}

/** The offset after a quoted scalar that starts at `start` (which may span lines). */
function afterQuoted(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i + 1;
    }
  }
  return text.length;
}
