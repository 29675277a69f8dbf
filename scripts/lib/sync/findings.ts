/**
 * What a replay found. `error`: the sync fails (or deadlocks) on a cluster as rendered. `retry`:
 * it succeeds only because the engine retries. `wait`: the engine waits there on health that
 * only running controllers bring (nothing runs here). `info`: what happened (CRDs installed).
 */
export type FindingLevel = 'error' | 'retry' | 'wait' | 'info';

export interface SyncFinding {
  readonly level: FindingLevel;
  readonly env: string;
  readonly engine: 'argocd' | 'flux';
  /** The Argo CD Application or Flux Kustomization being synced. */
  readonly unit: string;
  readonly wave?: number;
  /** "Kind namespace/name" */
  readonly object?: string;
  /** Repository-relative file and line that declare the object. */
  readonly file?: string;
  readonly line?: number;
  /** What happened, with the API server's own message where it answered. */
  readonly message: string;
}

export interface EnvironmentReplay {
  readonly env: string;
  readonly engine: 'argocd' | 'flux';
  /** Objects applied for real (dry runs and retries not counted). */
  readonly applied: number;
  readonly durationMs: number;
  readonly findings: readonly SyncFinding[];
}

export const hasErrors = (replays: readonly EnvironmentReplay[]) => replays.some((r) => r.findings.some((f) => f.level === 'error'));
