import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { closestMatch } from '../../../platform/core/closest-match.js';
import type { ConfigProblem } from '../config/problem.js';

/*
 * A request-rate trace: a small, strict, numeric CSV (no CSV library: the format has no quoting,
 * no embedded commas and no multi-line fields, and refusing those is clearer than accepting them).
 *
 *   time,requests_per_second,prompt_tokens,output_tokens[,model]
 *   00:00,0.5,1500,300
 *   09:00,25,1480,310
 *
 * `time` is `HH:MM` or `HH:MM:SS` within one day, or whole seconds from the start. Each row holds
 * until the next row that applies to the same model; the last one holds for one step of the trace
 * (the median interval between its times). A row with no model (no column, or an empty field)
 * applies to every model, a row with a model only to that model.
 */

/** The columns every trace has, in the order the header usually lists them. */
export const TRACE_COLUMNS = ['time', 'requests_per_second', 'prompt_tokens', 'output_tokens'] as const;
/** The optional column that restricts a row to one model. */
export const MODEL_COLUMN = 'model';

/** One row of a trace, as read. */
export interface TraceRow {
  /** 1-based line in the file. */
  readonly line: number;
  /** Seconds from midnight (`HH:MM[:SS]`) or from the start (whole seconds). */
  readonly time: number;
  readonly requestsPerSecond: number;
  /** Mean prompt (input) tokens per request. */
  readonly promptTokens: number;
  /** Mean output (generated) tokens per request. */
  readonly outputTokens: number;
  /** The model the row applies to; undefined: every model. */
  readonly model: string | undefined;
}

export interface Trace {
  /** Repository-relative path, for messages. */
  readonly file: string;
  /** In file order. */
  readonly rows: readonly TraceRow[];
  /** The median interval between the trace's times: how long the last row of a model holds. */
  readonly stepSeconds: number;
  /** Models named in the `model` column, sorted. */
  readonly models: readonly string[];
}

/** A stretch of constant load for one model: `[start, end)` in seconds. */
export interface LoadSegment {
  readonly start: number;
  readonly end: number;
  readonly requestsPerSecond: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export type TraceResult = { ok: true; trace: Trace } | { ok: false; problems: ConfigProblem[] };

const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const SECONDS = /^\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;
const MODEL_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DAY_SECONDS = 24 * 3600;

/** Reads `file` (absolute, or relative to `dir`); a missing file is a located problem too. */
export async function readTrace(dir: string, file: string): Promise<TraceResult> {
  let text: string;
  try {
    text = await readFile(path.resolve(dir, file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { ok: false, problems: [{ file, path: [], message: `not found: expected a trace CSV (${expectedHeader()})` }] };
  }
  return parseTrace(text, file);
}

/** Parses a trace; every problem names the file, the line, the column and what was expected and found. */
export function parseTrace(text: string, file: string): TraceResult {
  const problems: ConfigProblem[] = [];
  const at = (line: number, column: string | undefined, message: string): void => {
    problems.push({ file, line, path: column === undefined ? [] : [column], message });
  };
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  const headerText = (lines[0] ?? '').replace(/\r$/, '');
  if (headerText.trim() === '') {
    at(1, undefined, `expected the header ${expectedHeader()}, found ${lines.length === 0 ? 'an empty file' : 'an empty line'}`);
    return { ok: false, problems };
  }
  if (headerText.includes('"') || headerText.includes("'")) {
    at(1, undefined, 'expected plain comma-separated column names, found a quote (quoted fields are not supported)');
    return { ok: false, problems };
  }
  const header = headerText.split(',').map((name) => name.trim());
  const known: readonly string[] = [...TRACE_COLUMNS, MODEL_COLUMN];
  const missing = TRACE_COLUMNS.filter((name) => !header.includes(name));
  const explained = new Set<string>();
  const seen = new Set<string>();
  for (const name of header) {
    if (!known.includes(name)) {
      // A typo of a missing column is one problem, at the typo.
      const meant = closestMatch(name, missing) ?? closestMatch(name, known);
      if (meant !== undefined) explained.add(meant);
      const hint = meant === undefined ? '' : ` (did you mean "${meant}"?)`;
      at(1, undefined, `unknown column "${name}"${hint}; expected ${expectedHeader()}`);
    } else if (seen.has(name)) at(1, name, `column listed twice; expected each of ${known.join(', ')} at most once`);
    seen.add(name);
  }
  for (const name of missing) if (!explained.has(name)) at(1, name, `required column is missing; expected ${expectedHeader()}`);
  if (problems.length > 0) return { ok: false, problems };

  const rows: TraceRow[] = [];
  const timeText = new Map<number, string>();
  for (let index = 1; index < lines.length; index++) {
    const line = index + 1;
    const raw = lines[index]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    if (raw.includes('"') || raw.includes("'")) {
      at(line, undefined, `expected plain comma-separated values, found a quote (quoted fields are not supported): ${raw}`);
      continue;
    }
    const fields = raw.split(',').map((field) => field.trim());
    if (fields.length !== header.length) {
      at(line, undefined, `expected ${header.length} fields (${header.join(', ')}), found ${fields.length}`);
      continue;
    }
    const value = (column: string): string => fields[header.indexOf(column)] ?? '';
    const before = problems.length;
    const time = parseTime(value('time'));
    if (typeof time === 'string') at(line, 'time', `${time}, found ${quote(value('time'))}`);
    const requestsPerSecond = parseDecimal(value('requests_per_second'));
    if (requestsPerSecond === undefined)
      at(line, 'requests_per_second', `expected a number >= 0, found ${quote(value('requests_per_second'))}`);
    const promptTokens = parseDecimal(value('prompt_tokens'));
    if (promptTokens === undefined)
      at(line, 'prompt_tokens', `expected a number >= 0 (mean prompt tokens per request), found ${quote(value('prompt_tokens'))}`);
    const outputTokens = parseDecimal(value('output_tokens'));
    if (outputTokens === undefined || outputTokens === 0)
      at(line, 'output_tokens', `expected a number > 0 (mean output tokens per request), found ${quote(value('output_tokens'))}`);
    const modelText = header.includes(MODEL_COLUMN) ? value(MODEL_COLUMN) : '';
    if (modelText !== '' && !MODEL_NAME.test(modelText))
      at(
        line,
        MODEL_COLUMN,
        `expected a catalogue model name such as "llama-3-1-8b-instruct", or nothing for every model, found ${quote(modelText)}`,
      );
    if (problems.length > before) continue;
    timeText.set(line, value('time'));
    rows.push({
      line,
      time: time as number,
      requestsPerSecond: requestsPerSecond!,
      promptTokens: promptTokens!,
      outputTokens: outputTokens!,
      model: modelText === '' ? undefined : modelText,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  if (rows.length === 0) {
    at(lines.length === 0 ? 1 : Math.max(lines.length, 1), undefined, 'expected at least two rows after the header, found none');
    return { ok: false, problems };
  }

  const models = [...new Set(rows.flatMap((row) => (row.model === undefined ? [] : [row.model])))].sort();
  // Each series (the rows for every model, and each named model's with them) moves forward.
  for (const model of [undefined, ...models]) {
    const series = rows.filter((row) => row.model === undefined || row.model === model);
    for (let i = 1; i < series.length; i++) {
      const [previous, row] = [series[i - 1]!, series[i]!];
      if (row.time > previous.time || problems.some((p) => p.line === row.line)) continue;
      const whose = model === undefined ? 'the rows for every model' : `the rows for ${model} (its own and those for every model)`;
      at(
        row.line,
        'time',
        `expected a time after ${quote(timeText.get(previous.line)!)} (line ${previous.line}): times increase strictly within ${whose}, found ${quote(timeText.get(row.line)!)}`,
      );
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const times = [...new Set(rows.map((row) => row.time))].sort((a, b) => a - b);
  const intervals = times.slice(1).map((t, i) => t - times[i]!);
  if (intervals.length === 0) {
    at(
      rows[0]!.line,
      'time',
      `expected at least two different times (the last row holds for the median interval), found only ${quote(timeText.get(rows[0]!.line)!)}`,
    );
    return { ok: false, problems };
  }
  return { ok: true, trace: { file, rows, stepSeconds: median(intervals), models } };
}

/**
 * The load one model sees: the rows for every model and the model's own, each held until the
 * next of them, the last for the trace's step. Empty when no row applies to it.
 */
export function loadFor(trace: Trace, model: string): LoadSegment[] {
  const rows = trace.rows.filter((row) => row.model === undefined || row.model === model);
  return rows.map((row, i) => ({
    start: row.time,
    end: rows[i + 1]?.time ?? row.time + trace.stepSeconds,
    requestsPerSecond: row.requestsPerSecond,
    promptTokens: row.promptTokens,
    outputTokens: row.outputTokens,
  }));
}

/** `HH:MM[:SS]` as seconds from midnight, or whole seconds; a string says what was expected. */
function parseTime(text: string): number | string {
  const clock = CLOCK.exec(text);
  if (clock) {
    const [hours, minutes, seconds] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? '0')];
    if (hours > 23 || minutes > 59 || seconds > 59) return 'expected a time of day from 00:00 to 23:59:59';
    return hours * 3600 + minutes * 60 + seconds;
  }
  if (SECONDS.test(text)) return Number(text);
  return 'expected HH:MM or HH:MM:SS within one day, or whole seconds from the start';
}

function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Seconds as `HH:MM[:SS]` within a day, else as seconds. */
export function formatTime(seconds: number): string {
  if (seconds >= DAY_SECONDS || !Number.isInteger(seconds)) return `${seconds}s`;
  const hh = String(Math.floor(seconds / 3600)).padStart(2, '0');
  const mm = String(Math.floor((seconds % 3600) / 60)).padStart(2, '0');
  const ss = seconds % 60;
  return ss === 0 ? `${hh}:${mm}` : `${hh}:${mm}:${String(ss).padStart(2, '0')}`;
}

function expectedHeader(): string {
  return `${TRACE_COLUMNS.join(',')} and optionally ${MODEL_COLUMN}`;
}

function quote(text: string): string {
  return text === '' ? 'nothing' : JSON.stringify(text);
}
