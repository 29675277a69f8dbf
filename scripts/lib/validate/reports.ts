import { githubAnnotation } from '../cli/report-format.js';
import type { ResourceResult, ResourceStatus, SkipReason } from './validate-resources.js';

/** Output formats of `npm run validate`. */
export type ValidateFormat = 'text' | 'json' | 'junit' | 'tap' | 'github';
export const VALIDATE_FORMATS: readonly ValidateFormat[] = ['text', 'json', 'junit', 'tap', 'github'];

export interface Summary {
  readonly valid: number;
  readonly invalid: number;
  readonly errors: number;
  readonly skipped: number;
}

export function summarize(results: readonly ResourceResult[]): Summary {
  const count = (status: ResourceStatus) => results.filter((r) => r.status === status).length;
  return { valid: count('valid'), invalid: count('invalid'), errors: count('error'), skipped: count('skipped') };
}

export interface ReportOptions {
  /** Also list valid and skipped resources (json, text; TAP always lists every resource). */
  readonly verbose: boolean;
  /** Print the summary line (text, github). */
  readonly summary: boolean;
  /** What was validated, for the text format's closing line: "3 environments", "2 files". */
  readonly scope?: string;
}

const counted = (r: ResourceResult) => r.status !== 'empty';
const failed = (r: ResourceResult) => r.status === 'invalid' || r.status === 'error';

function identity(r: ResourceResult): string {
  if (r.kind === '') return 'document';
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

export function formatReport(results: readonly ResourceResult[], format: ValidateFormat, options: ReportOptions): string {
  switch (format) {
    case 'json':
      return jsonReport(results, options);
    case 'junit':
      return junitReport(results);
    case 'tap':
      return tapReport(results);
    case 'github':
      return githubReport(results, options);
    default:
      return textReport(results, options);
  }
}

/** `file:line:` or, where the column is known, `file:line:column:`. */
function place(r: ResourceResult): string {
  return `${r.filename}:${r.line}${r.column === undefined ? '' : `:${r.column}`}`;
}

/**
 * One line per finding, `file:line: Kind ns/name ...`, the form editors turn into links. People
 * (text) also get the source lines of a syntax error, what the skipped objects were, and a closing
 * line when everything is valid, so that success is not silence.
 */
function textReport(results: readonly ResourceResult[], options: ReportOptions, forPeople = true): string {
  const lines: string[] = [];
  for (const r of results.filter(counted)) {
    if (r.status === 'invalid') {
      for (const e of r.validationErrors) lines.push(`${r.filename}:${e.line}: ${identity(r)} is invalid: ${e.path}: ${e.msg}`);
    } else if (r.status === 'error') {
      lines.push(`${forPeople ? place(r) : `${r.filename}:${r.line}`}: ${identity(r)} failed validation: ${r.msg}`);
      if (forPeople && r.snippet !== undefined) lines.push(...r.snippet.split('\n').map((line) => `    ${line}`));
    } else if (options.verbose) {
      lines.push(`${r.filename}:${r.line}: ${identity(r)} is ${r.status}${r.msg ? `: ${r.msg}` : ''}`);
    }
  }
  if (options.summary) {
    const skips = forPeople ? skippedExplained(results) : '';
    lines.push(`${summaryLine(results)}${skips === '' ? '' : ` (${skips})`}`);
  } else if (forPeople && !results.some(failed)) {
    lines.push(verdictLine(results, options.scope));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function summaryLine(results: readonly ResourceResult[]): string {
  const s = summarize(results);
  const files = new Set(results.map((r) => r.filename)).size;
  return `Summary: ${results.filter(counted).length} resources found in ${files} files - Valid: ${s.valid}, Invalid: ${s.invalid}, Errors: ${s.errors}, Skipped: ${s.skipped}`;
}

/** `validate: 576 objects in 3 environments valid (61 skipped: ...)`, when nothing failed. */
function verdictLine(results: readonly ResourceResult[], scope: string | undefined): string {
  const s = summarize(results);
  const where = scope ?? plural(new Set(results.map((r) => r.filename)).size, 'file');
  const skips = skippedExplained(results);
  return `validate: ${plural(s.valid, 'object')} in ${where} valid${skips === '' ? '' : ` (${s.skipped} skipped: ${skips})`}`;
}

/** What each skip reason means, for a person reading the count. */
const SKIP_REASONS: Record<SkipReason, (count: number, kinds: string) => string> = {
  kustomize: (n) => `${n} kustomization.yaml build ${n === 1 ? 'file, not a Kubernetes object' : 'files, not Kubernetes objects'}`,
  'skip-flag': (n, kinds) => `${n} of kinds given to --skip: ${kinds}`,
  'missing-schema': (n, kinds) => `${n} with no schema, passed unchecked by --ignore-missing-schemas: ${kinds}`,
};

/** The skipped objects counted by reason, "" when none was skipped. */
function skippedExplained(results: readonly ResourceResult[]): string {
  const byReason = new Map<SkipReason, ResourceResult[]>();
  for (const r of results) {
    if (r.status !== 'skipped') continue;
    const reason = r.skipReason ?? 'skip-flag';
    byReason.set(reason, [...(byReason.get(reason) ?? []), r]);
  }
  const order: SkipReason[] = ['kustomize', 'skip-flag', 'missing-schema'];
  return order
    .filter((reason) => byReason.has(reason))
    .map((reason) => {
      const skipped = byReason.get(reason)!;
      return SKIP_REASONS[reason](skipped.length, kindList(skipped));
    })
    .join('; ');
}

const KINDS_SHOWN = 5;

function kindList(results: readonly ResourceResult[]): string {
  const kinds = [...new Set(results.map((r) => (r.version ? `${r.version}/${r.kind}` : r.kind || 'document')))].sort();
  const shown = kinds.slice(0, KINDS_SHOWN).join(', ');
  return kinds.length > KINDS_SHOWN ? `${shown} and ${kinds.length - KINDS_SHOWN} more` : shown;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

const KUBECONFORM_STATUS: Record<ResourceStatus, string> = {
  valid: 'statusValid',
  invalid: 'statusInvalid',
  error: 'statusError',
  skipped: 'statusSkipped',
  empty: 'statusEmpty',
};

/** kubeconform's `-output json -summary` shape, plus file-absolute `line`s. */
function jsonReport(results: readonly ResourceResult[], options: ReportOptions): string {
  const resources = results
    .filter((r) => counted(r) && (options.verbose || failed(r)))
    .map((r) => ({
      filename: r.filename,
      kind: r.kind,
      name: r.name,
      version: r.version,
      status: KUBECONFORM_STATUS[r.status],
      msg: r.msg,
      line: r.line,
      ...(r.column === undefined ? {} : { column: r.column }),
      ...(r.validationErrors.length > 0
        ? { validationErrors: r.validationErrors.map((e) => ({ path: e.path, msg: e.msg, line: e.line })) }
        : {}),
    }));
  return `${JSON.stringify({ resources, summary: summarize(results) }, null, 2)}\n`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: a suite per file, a case per resource; no timings, so output is reproducible. */
function junitReport(results: readonly ResourceResult[]): string {
  const files = [...new Set(results.map((r) => r.filename))];
  const s = summarize(results);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="validate" tests="${results.filter(counted).length}" failures="${s.invalid}" errors="${s.errors}" disabled="${s.skipped}">`,
  ];
  files.forEach((file, id) => {
    const inFile = results.filter((r) => r.filename === file && counted(r));
    const fs = summarize(inFile);
    out.push(
      `  <testsuite name="${xml(file)}" id="${id}" tests="${inFile.length}" failures="${fs.invalid}" errors="${fs.errors}" skipped="${fs.skipped}">`,
    );
    for (const r of inFile) {
      out.push(`    <testcase name="${xml(r.name || `document at line ${r.line}`)}" classname="${xml(`${r.kind}@${r.version}`)}">`);
      if (r.status === 'invalid') {
        const detail = r.validationErrors.map((e) => `${file}:${e.line}: ${e.path}: ${e.msg}`).join('\n');
        out.push(`      <failure message="${xml(r.msg)}" type="ValidationFailure">${xml(detail)}</failure>`);
      } else if (r.status === 'error') {
        out.push(`      <error message="${xml(r.msg)}" type="Error"></error>`);
      } else if (r.status === 'skipped') {
        out.push('      <skipped></skipped>');
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  });
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** Test Anything Protocol, version 13. */
function tapReport(results: readonly ResourceResult[]): string {
  const out = ['TAP version 13'];
  let n = 0;
  for (const r of results.filter(counted)) {
    n++;
    const what = `${place(r)} (${identity(r)})`;
    if (failed(r)) out.push(`not ok ${n} - ${what} - ${r.msg}`);
    else if (r.status === 'skipped') out.push(`ok ${n} - ${what} # SKIP ${r.msg}`.trimEnd());
    else out.push(`ok ${n} - ${what}`);
  }
  out.push(`1..${n}`);
  return `${out.join('\n')}\n`;
}

/** Workflow annotations on the exact lines, plus the text report for the log. */
function githubReport(results: readonly ResourceResult[], options: ReportOptions): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.status === 'invalid') {
      for (const e of r.validationErrors) {
        lines.push(
          githubAnnotation({
            level: 'error',
            file: r.filename,
            line: e.line,
            title: 'Kubernetes schema',
            message: `${identity(r)}: ${e.path}: ${e.msg}`,
          }),
        );
      }
    } else if (r.status === 'error') {
      lines.push(
        githubAnnotation({
          level: 'error',
          file: r.filename,
          line: r.line,
          column: r.column,
          title: 'Kubernetes schema',
          message: `${identity(r)}: ${r.msg}`,
        }),
      );
    }
  }
  // The log part stays kubeconform's text: workflow logs are read for the annotations above.
  return `${lines.length > 0 ? `${lines.join('\n')}\n` : ''}${textReport(results, options, false)}`;
}
