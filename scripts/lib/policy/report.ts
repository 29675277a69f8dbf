import { githubAnnotation } from '../cli/report-format.js';
import type { ConfigProblem } from '../config/problem.js';
import { formatProblem } from '../config/problem.js';
import { byCodeUnit } from '../../../platform/core/compare.js';
import type { PolicyRule } from './catalogue.js';
import { isExpired, type PolicyException } from './exceptions.js';
import type { PolicyFinding } from './findings.js';

export type PolicyFormat = 'text' | 'json' | 'github' | 'junit';
export const POLICY_FORMATS: readonly PolicyFormat[] = ['text', 'json', 'github', 'junit'];

export interface PolicyReport {
  readonly environments: readonly string[];
  readonly rules: readonly PolicyRule[];
  readonly findings: readonly PolicyFinding[];
  /** Exceptions that expired or match nothing: failures of the gate too. */
  readonly exceptionProblems: readonly ConfigProblem[];
}

export function reportFailed(report: PolicyReport): boolean {
  return report.findings.some((f) => f.level === 'failure') || report.exceptionProblems.length > 0;
}

/**
 * Exceptions of the checked environments that no longer earn their place: expired ones (their
 * findings fail again), and unexpired ones that suppressed nothing in this run.
 */
export function exceptionProblems(
  exceptions: readonly PolicyException[],
  findings: readonly PolicyFinding[],
  environments: readonly string[],
  today: Date,
  file: string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const exception of exceptions) {
    if (!environments.includes(exception.env)) continue;
    const at = { file, line: exception.line, path: [] };
    const what = `${exception.policy} on ${exception.kind} ${exception.namespace ? `${exception.namespace}/` : ''}${exception.name}${exception.container ? ` container ${exception.container}` : ''} in ${exception.env}`;
    if (isExpired(exception, today)) {
      problems.push({
        ...at,
        message: `exception for ${what} expired on ${exception.expires}; fix the finding, or renew the exception with a new date and reason`,
      });
    } else if (!findings.some((f) => f.level === 'excepted' && matches(exception, f))) {
      problems.push({ ...at, message: `exception for ${what} matches no finding; remove it` });
    }
  }
  return problems;
}

function matches(exception: PolicyException, finding: PolicyFinding): boolean {
  return (
    exception.policy === finding.policy &&
    exception.env === finding.env &&
    exception.kind === finding.kind &&
    (exception.namespace ?? '') === finding.namespace &&
    exception.name === finding.name &&
    (exception.container === undefined || exception.container === finding.container)
  );
}

export interface SummaryCell {
  readonly failures: number;
  readonly excepted: number;
}

/** Failures and excepted findings per rule and environment, rules in catalogue order. */
export function summaryMatrix(
  report: PolicyReport,
): Array<{ rule: PolicyRule | { id: string; title: string; severity: string }; cells: SummaryCell[] }> {
  const known = new Set(report.rules.map((r) => r.id));
  const strays = [...new Set(report.findings.filter((f) => !known.has(f.policy)).map((f) => f.policy))].sort(byCodeUnit);
  const rows = [...report.rules, ...strays.map((id) => ({ id, title: '(not in the pack)', severity: 'high' }))];
  return rows.map((rule) => ({
    rule,
    cells: report.environments.map((env) => {
      const here = report.findings.filter((f) => f.env === env && f.policy === rule.id);
      return { failures: here.filter((f) => f.level === 'failure').length, excepted: here.filter((f) => f.level === 'excepted').length };
    }),
  }));
}

export function formatPolicyReport(report: PolicyReport, format: PolicyFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(jsonReport(report), null, 2)}\n`;
    case 'junit':
      return junitReport(report);
    case 'github':
      return githubReport(report) + textReport(report);
    default:
      return textReport(report);
  }
}

const LABEL: Record<PolicyFinding['level'], string> = { failure: 'FAIL', excepted: 'EXCEPTED', warning: 'WARN' };

function where(finding: PolicyFinding): string {
  return finding.line === undefined ? finding.file : `${finding.file}:${finding.line}`;
}

function sortedFindings(report: PolicyReport): PolicyFinding[] {
  const order = (f: PolicyFinding) => (f.level === 'failure' ? 0 : f.level === 'excepted' ? 1 : 2);
  return [...report.findings].sort(
    (a, b) =>
      report.environments.indexOf(a.env) - report.environments.indexOf(b.env) ||
      order(a) - order(b) ||
      byCodeUnit(a.policy, b.policy) ||
      byCodeUnit(where(a), where(b)) ||
      byCodeUnit(a.msg, b.msg),
  );
}

function textReport(report: PolicyReport): string {
  const out: string[] = [];
  for (const f of sortedFindings(report))
    out.push(`${LABEL[f.level].padEnd(8)} ${f.env.padEnd(8)} ${f.policy} [${f.severity}] ${where(f)}: ${f.msg}`);
  for (const p of report.exceptionProblems) out.push(`FAIL     ${formatProblem(p)}`);
  if (out.length > 0) out.push('');
  out.push(...summaryTable(report), '', summaryLine(report));
  return `${out.join('\n')}\n`;
}

function cellText(cell: SummaryCell): string {
  if (cell.failures === 0 && cell.excepted === 0) return 'ok';
  const parts = [cell.failures > 0 ? `${cell.failures} fail` : '', cell.excepted > 0 ? `${cell.excepted} exc` : ''].filter(Boolean);
  return parts.join(', ');
}

function summaryTable(report: PolicyReport): string[] {
  const rows = summaryMatrix(report).map(({ rule, cells }) => [rule.id, rule.severity, ...cells.map(cellText), rule.title]);
  const header = ['RULE', 'SEVERITY', ...report.environments, 'TITLE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function summaryLine(report: PolicyReport): string {
  const failures = report.findings.filter((f) => f.level === 'failure').length;
  const excepted = report.findings.filter((f) => f.level === 'excepted').length;
  const failedRules = new Set(report.findings.filter((f) => f.level === 'failure').map((f) => f.policy)).size;
  const verdict = reportFailed(report) ? 'policy gate FAILED' : 'policy gate passed';
  const exceptionsPart = report.exceptionProblems.length > 0 ? `, ${report.exceptionProblems.length} exception problem(s)` : '';
  return `${verdict}: ${report.rules.length} rules over ${report.environments.join(', ')}; ${failures} failure(s) in ${failedRules} rule(s), ${excepted} excepted${exceptionsPart}`;
}

function jsonReport(report: PolicyReport) {
  return {
    ok: !reportFailed(report),
    environments: report.environments,
    summary: {
      rules: report.rules.length,
      failures: report.findings.filter((f) => f.level === 'failure').length,
      excepted: report.findings.filter((f) => f.level === 'excepted').length,
      warnings: report.findings.filter((f) => f.level === 'warning').length,
      exceptionProblems: report.exceptionProblems.length,
    },
    findings: sortedFindings(report),
    exceptionProblems: report.exceptionProblems.map((p) => ({ file: p.file, line: p.line ?? null, message: p.message })),
    matrix: summaryMatrix(report).map(({ rule, cells }) => ({
      policy: rule.id,
      severity: rule.severity,
      title: rule.title,
      environments: Object.fromEntries(report.environments.map((env, i) => [env, cells[i]])),
    })),
  };
}

function githubReport(report: PolicyReport): string {
  const out: string[] = [];
  for (const f of sortedFindings(report)) {
    if (f.level === 'warning') continue;
    out.push(
      githubAnnotation({
        level: f.level === 'failure' ? 'error' : 'notice',
        file: f.file,
        ...(f.line === undefined ? {} : { line: f.line }),
        title: `${f.policy} (${f.env}): ${f.title}${f.level === 'excepted' ? ' [excepted]' : ''}`,
        message: f.msg,
      }),
    );
  }
  for (const p of report.exceptionProblems) {
    out.push(
      githubAnnotation({
        level: 'error',
        file: p.file,
        ...(p.line === undefined ? {} : { line: p.line }),
        title: 'policy exception',
        message: p.message,
      }),
    );
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: a suite per environment, a case per rule; no timings, so output is reproducible. */
function junitReport(report: PolicyReport): string {
  const matrix = summaryMatrix(report);
  const totalFailures =
    matrix.reduce((n, row) => n + row.cells.filter((c) => c.failures > 0).length, 0) + (report.exceptionProblems.length > 0 ? 1 : 0);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="policy" tests="${matrix.length * report.environments.length}" failures="${totalFailures}">`,
  ];
  report.environments.forEach((env, i) => {
    const failed = matrix.filter((row) => row.cells[i]!.failures > 0).length;
    out.push(`  <testsuite name="${xml(env)}" id="${i}" tests="${matrix.length}" failures="${failed}">`);
    for (const { rule, cells } of matrix) {
      out.push(`    <testcase name="${xml(`${rule.id} ${rule.title}`)}" classname="${xml(`policy.${env}`)}">`);
      if (cells[i]!.failures > 0) {
        const detail = report.findings
          .filter((f) => f.env === env && f.policy === rule.id && f.level === 'failure')
          .map((f) => `${where(f)}: ${f.msg}`)
          .sort(byCodeUnit)
          .join('\n');
        out.push(`      <failure message="${cells[i]!.failures} finding(s)" type="PolicyFailure">${xml(detail)}</failure>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  });
  if (report.exceptionProblems.length > 0) {
    out.push(
      '  <testsuite name="exceptions" tests="1" failures="1">',
      '    <testcase name="exceptions are needed and unexpired" classname="policy.exceptions">',
    );
    out.push(
      `      <failure message="${report.exceptionProblems.length} problem(s)" type="ExceptionProblem">${xml(report.exceptionProblems.map(formatProblem).join('\n'))}</failure>`,
    );
    out.push('    </testcase>', '  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
