/**
 * The security rules our workflows follow, as checks that return what breaks them (file, job,
 * what to change), so the tests can show each check failing on a workflow that breaks it.
 */
type Json = Record<string, any>;

export interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly doc: Json;
}

/** Job permissions allowed to write, by job id. */
export type Writers = Readonly<Record<string, Readonly<Record<string, string>>>>;

const jobs = (doc: Json) => Object.entries((doc.jobs ?? {}) as Record<string, Json>);
const steps = (job: Json) => (job.steps ?? []) as Json[];

export function permissionProblems(workflow: Workflow, writers: Writers): string[] {
  const problems: string[] = [];
  if (JSON.stringify(workflow.doc.permissions) !== JSON.stringify({ contents: 'read' }))
    problems.push(`${workflow.file}: top-level permissions must be { contents: read }`);
  for (const [id, job] of jobs(workflow.doc)) {
    const allowed = writers[id];
    if (allowed) {
      if (JSON.stringify(job.permissions) !== JSON.stringify(allowed))
        problems.push(`${workflow.file}: job ${id} must have exactly ${JSON.stringify(allowed)}`);
    } else if (job.permissions !== undefined && !Object.values(job.permissions).every((p) => p === 'read' || p === 'none')) {
      problems.push(`${workflow.file}: job ${id} may not write`);
    }
  }
  return problems;
}

export function pinningProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const line of workflow.text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
    const ref = /uses:\s*(\S+)/.exec(line)?.[1] ?? '';
    if (ref.startsWith('./')) continue;
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref)) problems.push(`${workflow.file}: ${ref} is not pinned to a full commit SHA`);
    else if (!/# v\d+(\.\d+)*\s*$/.test(line)) problems.push(`${workflow.file}: ${ref} has no "# vX.Y.Z" comment`);
  }
  return problems;
}

/** `${{ }}` inside `run:` is script injection when the value comes from the event (titles, branch names). */
export function injectionProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow.doc)) {
    for (const step of steps(job)) {
      if (typeof step.run === 'string' && step.run.includes('${{'))
        problems.push(
          `${workflow.file}: job ${id} step "${step.name ?? step.run.split('\n')[0]}" interpolates an expression into run:; pass it through env:`,
        );
    }
  }
  return problems;
}

export function triggerAndTimeoutProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const triggers =
    typeof workflow.doc.on === 'string'
      ? [workflow.doc.on]
      : Array.isArray(workflow.doc.on)
        ? workflow.doc.on
        : Object.keys(workflow.doc.on ?? {});
  if (triggers.includes('pull_request_target'))
    problems.push(`${workflow.file}: pull_request_target runs fork code with a write token; use pull_request`);
  for (const [id, job] of jobs(workflow.doc)) {
    const minutes = job['timeout-minutes'];
    if (typeof minutes !== 'number' || minutes <= 0 || minutes > 60)
      problems.push(`${workflow.file}: job ${id} needs timeout-minutes between 1 and 60`);
  }
  return problems;
}

/** Only the jobs named may keep the token in .git/config after checkout. */
export function credentialProblems(workflow: Workflow, keepers: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow.doc)) {
    for (const step of steps(job).filter((s) => String(s.uses ?? '').startsWith('actions/checkout@'))) {
      const keeps = step.with?.['persist-credentials'] !== false;
      if (keeps && !keepers.includes(id)) problems.push(`${workflow.file}: job ${id} checks out with persist-credentials left on`);
    }
  }
  return problems;
}
