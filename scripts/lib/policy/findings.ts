import { z } from 'zod';

/** The conftest passes over one environment (see passes.ts). */
export const PASS_NAMES = ['objects', 'combined', 'config', 'promotion'] as const;
export type PassName = (typeof PASS_NAMES)[number];

/** One result of one rule on one object, as the report shows it. */
export interface PolicyFinding {
  readonly env: string;
  readonly pass: PassName;
  /** failure: blocks the merge; excepted: a failure that a reviewed exception suppressed. */
  readonly level: 'failure' | 'excepted' | 'warning';
  readonly policy: string;
  readonly severity: string;
  readonly title: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly container?: string;
  readonly msg: string;
  /** Where the object is declared, when known. */
  readonly file: string;
  readonly line?: number;
}

/** conftest --output json: one entry per input file (or "Combined") and Rego package. */
const resultSchema = z.looseObject({
  msg: z.string(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const checkResultSchema = z.looseObject({
  filename: z.string(),
  namespace: z.string(),
  successes: z.number(),
  failures: z.array(resultSchema).optional(),
  warnings: z.array(resultSchema).optional(),
  exceptions: z.array(resultSchema).optional(),
  skipped: z.array(resultSchema).optional(),
});

export type CheckResult = z.infer<typeof checkResultSchema>;

export class ConftestOutputError extends Error {}

/** Parses conftest's JSON report; anything else is an error to show, never an empty pass. */
export function parseConftestJson(stdout: string): CheckResult[] {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    throw new ConftestOutputError(`conftest did not print a JSON report: ${stdout.trim().slice(0, 500) || '(nothing)'}`);
  }
  const parsed = z.array(checkResultSchema).safeParse(value);
  if (!parsed.success) throw new ConftestOutputError(`unexpected conftest JSON report: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Where an object is declared, for findings of the combined passes (conftest names those "Combined"). */
export type Locate = (filename: string, kind: string, namespace: string, name: string) => { file: string; line?: number };

export interface FindingContext {
  readonly env: string;
  readonly pass: PassName;
  readonly locate: Locate;
}

/** Turns conftest results into findings: failures, excepted warnings and plain warnings. */
export function toFindings(results: readonly CheckResult[], context: FindingContext): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const result of results) {
    for (const failure of result.failures ?? []) findings.push(finding(failure, 'failure', result, context));
    for (const warning of result.warnings ?? []) {
      findings.push(finding(warning, warning.metadata?.excepted === true ? 'excepted' : 'warning', result, context));
    }
    // conftest's own `exception` rules drop a whole document's results (conftest#545); the pack
    // does not use them, but a team rule might: show them, they never pass silently.
    for (const exception of result.exceptions ?? []) {
      findings.push({
        ...finding(exception, 'warning', result, context),
        policy: result.namespace,
        msg: `conftest exception suppressed ${result.namespace} for the whole document: ${exception.msg}`,
      });
    }
  }
  return findings;
}

function finding(
  result: z.infer<typeof resultSchema>,
  level: PolicyFinding['level'],
  check: CheckResult,
  context: FindingContext,
): PolicyFinding {
  const meta = result.metadata ?? {};
  const text = (key: string, fallback = '') => (typeof meta[key] === 'string' ? (meta[key] as string) : fallback);
  const kind = text('kind');
  const namespace = text('namespace');
  const name = text('name');
  const container = text('container');
  return {
    env: context.env,
    pass: context.pass,
    level,
    // A rule outside the pack (a plain string message) is named by its query.
    policy: text('policy', text('query', check.namespace)),
    severity: text('severity', 'high'),
    title: text('title'),
    kind,
    namespace,
    name,
    ...(container ? { container } : {}),
    msg: result.msg,
    ...context.locate(check.filename, kind, namespace, name),
  };
}
