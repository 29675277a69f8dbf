import { githubAnnotation, type ReportFormat } from '../cli/report-format.js';
import type { EnvironmentReplay, SyncFinding } from './findings.js';

const where = (f: SyncFinding) => (f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : '');
const scope = (f: SyncFinding) => `${f.unit}${f.wave === undefined ? '' : ` (wave ${f.wave})`}`;
const LABEL: Record<SyncFinding['level'], string> = { error: 'ERROR', retry: 'retry', wait: 'waits', info: 'info' };

function line(f: SyncFinding): string {
  return `${where(f)}${LABEL[f.level]} ${scope(f)}${f.object ? `: ${f.object}` : ''}: ${f.message}`;
}

function summary(r: EnvironmentReplay): string {
  const count = (level: SyncFinding['level']) => r.findings.filter((f) => f.level === level).length;
  const errors = count('error');
  return `${r.env} (${r.engine}): ${errors === 0 ? 'replays clean' : `${errors} error(s)`}; ${r.applied} objects applied, ${count('retry')} retried, ${count('wait')} health waits, ${(r.durationMs / 1000).toFixed(1)} s`;
}

/** The replay report: text (errors, retries and waits; `verbose` adds what was installed), json, or GitHub annotations. */
export function formatReplay(replays: readonly EnvironmentReplay[], format: ReportFormat, verbose = false): string {
  if (format === 'json')
    return `${JSON.stringify({ ok: !replays.some((r) => r.findings.some((f) => f.level === 'error')), environments: replays }, null, 2)}\n`;
  const out: string[] = [];
  for (const r of replays) {
    for (const f of r.findings) {
      if (f.level === 'info' && !verbose) continue;
      if (format === 'github' && f.level === 'error') {
        out.push(
          githubAnnotation({
            level: 'error',
            ...(f.file ? { file: f.file } : {}),
            ...(f.line ? { line: f.line } : {}),
            title: `sync replay (${r.env}): ${scope(f)}`,
            message: `${f.object ? `${f.object}: ` : ''}${f.message}`,
          }),
        );
      }
      out.push(line(f));
    }
    out.push(summary(r));
  }
  return `${out.join('\n')}\n`;
}
