import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ConfigProblem } from '../config/problem.js';
import { zodProblems } from '../config/zod-problems.js';
import { closestMatch } from '../../../platform/core/closest-match.js';
import { isProblem, parseInputYaml } from '../config/parse-input.js';
import { POLICY_DATA_DIR } from './catalogue.js';

export const EXCEPTIONS_FILE = `${POLICY_DATA_DIR}/exceptions.yaml`;

/** The longest an exception may be granted for: exceptions are debts with a due date. */
export const MAX_EXCEPTION_DAYS = 366;

const DAY_MS = 24 * 60 * 60 * 1000;

const date = z
  .string({ error: 'expected a date "YYYY-MM-DD"' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date "YYYY-MM-DD"' })
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), {
    error: 'expected a real calendar date',
  });

const text = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .trim()
    .min(1, { error: `expected ${what}, found an empty string` });

const exceptionSchema = z.strictObject({
  policy: text('the policy id, such as SEC-005'),
  env: text('the environment name'),
  kind: text('the object kind, such as Deployment'),
  /** Absent (or empty) for cluster-scoped objects and cluster configurations. */
  namespace: z.string({ error: 'expected the namespace (omit it for cluster-scoped objects)' }).optional(),
  name: text('the object name'),
  /** Only this container's findings are excepted; absent for the whole object. */
  container: text('the container name').optional(),
  reason: z
    .string({ error: 'expected why the exception is needed' })
    .trim()
    .min(15, { error: 'expected a reason a reviewer can judge (at least 15 characters)' }),
  owner: text('who answers for it (a team or an email address)'),
  expires: date,
});

const fileSchema = z.strictObject({
  exceptions: z.array(exceptionSchema, { error: 'expected a list of exceptions (use [] for none)' }),
});

export type PolicyException = z.infer<typeof exceptionSchema> & { readonly line: number };

export interface LoadedExceptions {
  readonly exceptions: PolicyException[];
  readonly problems: ConfigProblem[];
}

export interface ExceptionContext {
  readonly policyIds: ReadonlySet<string>;
  readonly environments: ReadonlySet<string>;
  /** Today, for the expiry horizon (expired entries are the runner's business, not a file error). */
  readonly today: Date;
}

/** Reads and checks policies/data/exceptions.yaml: shape, dates, known policies and environments. */
export async function loadExceptions(root: string, context: ExceptionContext): Promise<LoadedExceptions> {
  const file = EXCEPTIONS_FILE;
  const raw = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
  if (raw === undefined) return { exceptions: [], problems: [] };
  return checkExceptions(raw, file, context);
}

export function checkExceptions(raw: string, file: string, context: ExceptionContext): LoadedExceptions {
  const parsed = parseInputYaml(raw, file);
  if (isProblem(parsed)) return { exceptions: [], problems: [parsed] };
  const result = fileSchema.safeParse(parsed.value);
  if (!result.success) return { exceptions: [], problems: zodProblems(result.error, fileSchema, file, parsed.lineOf) };

  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  const horizon = context.today.getTime() + MAX_EXCEPTION_DAYS * DAY_MS;
  const exceptions = result.data.exceptions.map((entry, index) => {
    const at = (field: string) => ({ file, line: parsed.lineOf(['exceptions', index, field]), path: ['exceptions', index, field] });
    if (!context.policyIds.has(entry.policy)) {
      const guess = closestMatch(entry.policy, [...context.policyIds]);
      problems.push({
        ...at('policy'),
        message: `unknown policy "${entry.policy}"${guess ? ` (did you mean "${guess}"?)` : ''}; see policies/README.md`,
      });
    }
    if (!context.environments.has(entry.env)) {
      problems.push({
        ...at('env'),
        message: `unknown environment "${entry.env}"; expected one of: ${[...context.environments].join(', ')}`,
      });
    }
    if (Date.parse(`${entry.expires}T00:00:00Z`) > horizon) {
      problems.push({
        ...at('expires'),
        message: `expires more than ${MAX_EXCEPTION_DAYS} days ahead (${entry.expires}); grant exceptions for a bounded time and renew them`,
      });
    }
    const key = exceptionKey(entry);
    const earlier = seen.get(key);
    if (earlier !== undefined) problems.push({ ...at('policy'), message: `duplicates the exception at line ${earlier}` });
    const line = parsed.lineOf(['exceptions', index]);
    seen.set(key, line);
    return { ...entry, line };
  });
  return { exceptions, problems };
}

/** What an exception matches: policy, environment, object and (optionally) container. */
export function exceptionKey(entry: Pick<PolicyException, 'policy' | 'env' | 'kind' | 'namespace' | 'name' | 'container'>): string {
  return [entry.policy, entry.env, entry.kind, entry.namespace ?? '', entry.name, entry.container ?? ''].join('\u0000');
}

/** Expired: the last day it holds (UTC) is before today. */
export function isExpired(entry: Pick<PolicyException, 'expires'>, today: Date): boolean {
  return `${entry.expires}` < today.toISOString().slice(0, 10);
}
