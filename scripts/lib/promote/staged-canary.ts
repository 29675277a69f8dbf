import { canaryMatchers, checkpointAt, nextCheckpoint } from '../../../apps/model-server/staged-canary.js';
import type { CanarySpec } from '../../../platform/spec/canary-spec.js';
import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import { CLUSTER_FILE, CLUSTERS_DIR } from '../config/load-fleet.js';
import { removeModelCanary, setModelCanary } from './edit-canary.js';
import { setModelVersion } from './edit-version.js';
import { PromotionError } from './errors.js';
import type { CanaryStep, PromotionFacts } from './pr-body.js';
import type { EvidenceSource, PromotionContext } from './context.js';
import { PrometheusError } from './prometheus-api.js';
import { promotionBranch, propose, rollbackBranch, type Outcome } from './propose.js';
import { evidenceProblems, gatherEvidence, type Evidence } from './slo-evidence.js';
import { formatDuration, versionHistory, type VersionRecord } from './version-history.js';

/*
 * The steps of a multi-node model's canary (apps/model-server/staged-canary.ts), each a pull
 * request: npm run promote judges the canary's SLOs on the environment's own Prometheus since
 * its share reached the base branch, and proposes the next checkpoint once the pause has held,
 * the stable version after the last one, or the canary's removal as soon as an SLO is missed
 * more often than the canary's failureLimit allows.
 */

/** How an environment stages a model's canaries: its checkpoints, and where the canary's SLOs are read. */
export interface StagedCanary {
  readonly canary: CanarySpec;
  /** The environment's own Prometheus (monitoring.queryUrl); windows of canary.analysisMinutes. */
  readonly evidence: EvidenceSource | undefined;
}

export interface CanaryRequest {
  readonly environment: string;
  readonly model: string;
  readonly stage: StagedCanary;
}

const sameCanary = (a: VersionRecord['canary'], b: VersionRecord['canary']) => a?.version === b?.version && a?.weight === b?.weight;

/** The commit since which the model's canary has held its current version and share, unbroken. */
export function canaryHeldSince(
  history: readonly VersionRecord[],
  canary: NonNullable<VersionRecord['canary']>,
): VersionRecord | undefined {
  let since: VersionRecord | undefined;
  for (let i = history.length - 1; i >= 0 && sameCanary(history[i]!.canary, canary); i--) since = history[i];
  return since;
}

/**
 * When a canary of `version` ended without it becoming the version (its removal reached the
 * base branch): that version is not proposed to the environment again.
 */
export function abortedCanary(history: readonly VersionRecord[], version: string): Date | undefined {
  let aborted: Date | undefined;
  history.forEach((record, i) => {
    const next = history[i + 1];
    if (record.canary?.version === version && next && next.canary?.version !== version && next.version !== version) aborted = next.time;
  });
  return aborted;
}

/** Judges the model's canary in progress and proposes its next step, or says why not yet. */
export async function advanceCanary(
  context: PromotionContext,
  request: CanaryRequest,
  environments: ReadonlyMap<string, ClusterSpec>,
): Promise<Outcome> {
  const { environment, model, stage } = request;
  const prefix = `${environment}: ${model}`;
  const entry = environments.get(environment)!.models[model]!;
  const release = entry.canary!;
  const history = await versionHistory(context.git, context.baseCommit, `${CLUSTERS_DIR}/${environment}/${CLUSTER_FILE}`, model);
  const since = canaryHeldSince(history, release);
  const checkpoint = checkpointAt(stage.canary, release.weight);
  if (!since || !checkpoint)
    throw new PromotionError(
      `${prefix}: the canary of ${release.version} at ${release.weight}% is not on ${context.baseBranch}'s history`,
      'input',
    );
  const heldMs = context.now.getTime() - since.time.getTime();
  const held = { since: since.time, minutes: Math.floor(heldMs / 60_000), pauseMinutes: checkpoint.pauseMinutes };
  const at = `${release.version} canary at ${release.weight}% in ${environment}`;
  // Without monitoring.queryUrl there are no figures: the pauses alone decide, as soak time does for a promotion.
  const evidence = stage.evidence
    ? await readCanaryEvidence(stage.evidence, model, release.version, since.time, context.now, stage.canary, prefix)
    : undefined;

  const base = {
    model,
    environment,
    source: environment,
    from: entry.version,
    to: release.version,
    soakedSince: since.time,
    sourceCommit: since.commit,
    soakHours: 0,
    evidence: evidence && { version: `${release.version} (canary)`, environment, figures: evidence },
  };
  const missed = !evidence || evidence.requests === 0 ? [] : evidenceProblems(evidence, at, stage.canary.failureLimit);
  if (missed.length > 0) {
    const outcome = await abortCanary(context, base, { held, missed, weight: release.weight });
    return {
      ...outcome,
      refused: true,
      message: `${outcome.message}\n  the canary missed its SLOs:\n${missed.map((m) => `  - ${m}`).join('\n')}`,
    };
  }
  const progress = `${at} since ${since.time.toISOString()}, ${formatDuration(heldMs)} of ${checkpoint.pauseMinutes}m`;
  if (evidence?.requests === 0)
    return { changed: false, message: `${prefix}: ${progress}: it has finished no requests yet, so there is nothing to judge; no PR` };
  if (heldMs < checkpoint.pauseMinutes * 60_000)
    return {
      changed: false,
      message: `${prefix}: ${progress}: ${evidence ? `SLOs met so far (${evidence.requests} requests)` : 'no SLO figures (no monitoring.queryUrl)'}; no PR until the pause has held`,
    };

  const next = nextCheckpoint(stage.canary, release.weight);
  const step: CanaryStep = next
    ? { kind: 'next', fromWeight: release.weight, toWeight: next.weight, held, pauseMinutes: next.pauseMinutes }
    : { kind: 'complete', fromWeight: release.weight, toWeight: 100, held };
  return propose(context, {
    facts: { ...base, rollback: false, canaryStep: step },
    branch: promotionBranch(environment, model),
    what: `${prefix} ${at} -> ${next ? `${next.weight}%` : `${release.version} everywhere`} (${evidence ? 'SLOs met' : 'held'} over ${formatDuration(heldMs)})`,
    commitMessage: `The canary ${evidence ? 'met its SLOs' : 'held'} at ${release.weight}% from ${since.time.toISOString()} (commit ${since.commit}) to ${context.now.toISOString()}.`,
    edit: async (_root, text, file) =>
      next
        ? setModelCanary(text, file, model, { version: release.version, weight: next.weight })
        : removeModelCanary(setModelVersion(text, file, model, release.version), file, model),
  });
}

/** The PR that removes a canary: every request back to the stable version. */
export async function abortCanary(
  context: PromotionContext,
  base: Omit<PromotionFacts, 'rollback' | 'canaryStep'>,
  why: { readonly held?: CanaryStep['held']; readonly missed: readonly string[]; readonly weight: number },
): Promise<Outcome> {
  return propose(context, {
    facts: {
      ...base,
      rollback: true,
      canaryStep: { kind: 'abort', fromWeight: why.weight, toWeight: 0, held: why.held, missed: why.missed },
    },
    branch: rollbackBranch(base.environment, base.model),
    what: `${base.environment}: ${base.model} ${base.to} canary at ${why.weight}% -> removed (back to ${base.from})`,
    commitMessage: why.missed.join('\n'),
    edit: async (_root, text, file) => removeModelCanary(text, file, base.model),
  });
}

async function readCanaryEvidence(
  source: EvidenceSource,
  model: string,
  version: string,
  start: Date,
  end: Date,
  canary: CanarySpec,
  prefix: string,
): Promise<Evidence> {
  try {
    return await gatherEvidence({
      endpoint: source.endpoint,
      slo: source.slo,
      matchers: canaryMatchers(model, version),
      start,
      end,
      windowMinutes: canary.analysisMinutes,
    });
  } catch (error) {
    if (error instanceof PrometheusError) throw new PromotionError(`${prefix}: reading the canary's SLOs: ${error.message}`, error.kind);
    throw error;
  }
}
