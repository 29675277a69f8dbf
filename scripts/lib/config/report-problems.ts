import { githubAnnotation, type ReportFormat } from '../cli/report-format.js';
import { formatPath, formatProblem, type ConfigProblem } from './problem.js';

/** Prints input problems in the requested format (to stderr for people, stdout for tools). */
export function reportProblems(problems: readonly ConfigProblem[], format: ReportFormat): void {
  if (format === 'json') {
    const out = problems.map((p) => ({
      file: p.file,
      line: p.line ?? null,
      ...(p.column === undefined ? {} : { column: p.column }),
      field: formatPath(p.path),
      message: p.message,
    }));
    process.stdout.write(`${JSON.stringify({ ok: false, problems: out }, null, 2)}\n`);
    return;
  }
  if (format === 'github') {
    for (const p of problems) {
      const message = p.path.length > 0 ? `${formatPath(p.path)}: ${p.message}` : p.message;
      process.stdout.write(
        `${githubAnnotation({ level: 'error', file: p.file, line: p.line, column: p.column, title: 'invalid input', message })}\n`,
      );
    }
  }
  for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
  const noun = problems.length === 1 ? 'problem' : 'problems';
  process.stderr.write(`\n${problems.length} input ${noun}; nothing was written.\n`);
}

/** Prints input warnings (allowed, worth a look) to stderr, and as annotations for `github`. */
export function reportWarnings(warnings: readonly ConfigProblem[], format: ReportFormat): void {
  for (const p of warnings) {
    if (format === 'github') {
      const message = p.path.length > 0 ? `${formatPath(p.path)}: ${p.message}` : p.message;
      process.stdout.write(`${githubAnnotation({ level: 'warning', file: p.file, line: p.line, title: 'input warning', message })}\n`);
    }
    process.stderr.write(`warning: ${formatProblem(p)}\n`);
  }
}
