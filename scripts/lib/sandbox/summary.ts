import type { StandInComment, StandInPull } from '../github/stand-in.js';

/** One command the sandbox ran, as the user would type it, and what it printed. */
export interface Step {
  readonly command: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const indent = (text: string, by = '    ') =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => (line === '' ? '' : `${by}${line}`))
    .join('\n');

/** A step: the command line, then its output indented (stderr marked), and its exit code when it failed. */
export function formatStep(step: Step): string {
  const lines = [`$ ${step.command}`];
  if (step.stdout.trim() !== '') lines.push(indent(step.stdout, '  '));
  if (step.stderr.trim() !== '') lines.push(indent(step.stderr, '  stderr: '));
  if (step.code !== 0) lines.push(`  exit code ${step.code}`);
  return lines.join('\n');
}

/** Each pull request the stand-in holds (number, title, head -> base, labels, body) with its comments. */
export function formatPulls(pulls: readonly StandInPull[], comments: readonly StandInComment[]): string {
  return pulls
    .map((pull) => {
      const labels = pull.labels.length === 0 ? 'no labels' : `labels: ${pull.labels.map((l) => l.name).join(', ')}`;
      const own = comments.filter((c) => c.issue_number === pull.number);
      return [
        `Pull request #${pull.number}: ${pull.title}`,
        `  ${pull.head.ref} -> ${pull.base.ref}, ${pull.state}, ${labels}`,
        `  ${pull.html_url}`,
        '  body:',
        indent(pull.body),
        ...(own.length === 0 ? ['  no comments'] : own.flatMap((c) => [`  comment ${c.id} by ${c.user.login}:`, indent(c.body)])),
      ].join('\n');
    })
    .join('\n\n');
}
