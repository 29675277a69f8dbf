import type { EngineName } from '../tools/engines.js';

/** One gate of `npm run check`: a script of ours run as its own process, with its arguments. */
export interface Gate {
  readonly name: string;
  readonly script: string;
  readonly label: string;
  readonly args: string[];
  /** The engine the gate runs, when it wraps one. */
  readonly engine?: EngineName;
  /** It reads Kubernetes schemas from schema locations only (kubeconform has no built-in ones). */
  readonly needsLocations?: boolean;
  /** The caller asked not to run it. */
  readonly skipped?: boolean;
}

export interface GateOptions {
  readonly env: readonly string[];
  readonly format?: string | undefined;
  readonly root?: string | undefined;
  readonly base?: string | undefined;
  readonly skipSyncTest: boolean;
}

/** The gates of `npm run check`, in order (npm run bench:check times the same list). */
export function checkGates(options: GateOptions): Gate[] {
  const base = options.base ? ['--base', options.base] : [];
  const shared = [
    ...options.env.flatMap((env) => ['--env', env]),
    ...(options.format ? ['--format', options.format] : []),
    ...(options.root ? ['--root', options.root] : []),
  ];
  const summary = options.format === 'json' ? [] : ['--summary'];
  return [
    { name: 'render', script: 'render', label: 'render drift', args: ['--check', ...shared] },
    { name: 'validate', script: 'validate', label: 'schemas', args: [...shared, ...summary] },
    {
      name: 'kubeconform',
      script: 'validate',
      label: 'kubeconform',
      args: ['--engine', 'kubeconform', ...shared, ...summary],
      engine: 'kubeconform',
      needsLocations: true,
    },
    {
      name: 'sync-test',
      script: 'sync-test',
      label: 'sync replay',
      args: [...shared, ...base],
      engine: 'kube-apiserver',
      skipped: options.skipSyncTest,
    },
    { name: 'netpol', script: 'netpol', label: 'network flows', args: shared, engine: 'netpol-analyzer' },
    { name: 'policy', script: 'policy', label: 'policy', args: [...shared, ...base], engine: 'conftest' },
  ];
}
