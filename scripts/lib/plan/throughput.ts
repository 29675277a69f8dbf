import { z } from 'zod';
import { loadReviewedTable, parseReviewedTable, readReviewedTable, type TableResult } from '../config/reviewed-table.js';

/**
 * The reviewed table of per-replica serving throughput: facts with their source, date and
 * conditions, by catalogue model and GPU instance family. It lives beside its reader, as the price
 * table does, and not in apps/models/: every YAML file there is read as a catalogue entry.
 */
export const THROUGHPUT_FILE = 'scripts/lib/plan/serving-throughput.yaml';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected the day the figures were read, such as "2026-12-02"' });

const rowSchema = z.strictObject({
  /** Prompt tokens a replica prefills per second at saturation (aggregate over its requests). */
  prefillTokensPerSecond: z.number().positive({ error: 'expected prompt tokens per second per replica at saturation, > 0' }),
  /** Output tokens a replica generates per second at saturation (aggregate over its requests). */
  outputTokensPerSecond: z.number().positive({ error: 'expected output tokens per second per replica at saturation, > 0' }),
  /** Requests a replica serves at once (vLLM max-num-seqs, or fewer where the KV cache binds first). */
  maxConcurrentRequests: z.number().int().positive({ error: 'expected the requests a replica serves at once, a whole number > 0' }),
  source: z.url({ error: 'expected the URL the figures were read from' }),
  capturedOn: day,
  /** What was measured (engine, precision, parallelism, load) and how any figure was derived. */
  conditions: z.string().min(20, { error: 'expected what was measured and how any figure was derived (at least a sentence)' }),
});

const throughputTableSchema = z.strictObject({
  models: z.record(
    z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'expected a catalogue model name, such as "llama-3-1-8b-instruct"' }),
    z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'expected an EC2 instance family, such as "g6e" or "p5"' }), rowSchema),
  ),
});

export type ThroughputTable = z.infer<typeof throughputTableSchema>;
export type ThroughputRow = z.infer<typeof rowSchema>;
export type ThroughputResult = TableResult<ThroughputTable>;

const PURPOSE = 'the planner sizes replicas from this reviewed table';

/** Checks the text of a throughput table; `file` names it in the problems. */
export function parseThroughputTable(text: string, file: string = THROUGHPUT_FILE): ThroughputResult {
  return parseReviewedTable(text, file, throughputTableSchema);
}

/** The throughput table of the repository at `root`, or the problems that stop the plan (file, line, field). */
export function readThroughputTable(root: string): Promise<ThroughputResult> {
  return readReviewedTable(root, THROUGHPUT_FILE, throughputTableSchema, PURPOSE);
}

/** The throughput table, for callers that hold a reviewed one (tests, the toolkit itself); throws on problems. */
export function loadThroughputTable(root: string): Promise<ThroughputTable> {
  return loadReviewedTable(readThroughputTable(root));
}

/**
 * The figures for a model on the first of `families` (in the order given, e.g. the catalogue's
 * instanceFamilies) the table has; undefined when it has none.
 */
export function throughputFor(
  table: ThroughputTable,
  model: string,
  families: readonly string[],
): { family: string; row: ThroughputRow } | undefined {
  const rows = table.models[model];
  if (!rows) return undefined;
  for (const family of families) {
    const row = rows[family];
    if (row) return { family, row };
  }
  return undefined;
}
