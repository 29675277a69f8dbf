import { z } from 'zod';
import { modelVersion, positiveInt } from './field-rules.js';

/*
 * cluster.yaml `canary`: how a new model version takes traffic in this environment (Argo
 * Rollouts, apps/model-server/canary.ts). Every message starts with "expected".
 */

/** The largest share a checkpoint may hold: past it the canary is no longer a canary. */
export const MAX_CHECKPOINT_WEIGHT = 50;

const checkpoint = z.strictObject({
  /** Percent of the model's requests the new version takes while this checkpoint holds. */
  weight: z
    .number({ error: `expected a traffic share in percent, an integer from 1 to ${MAX_CHECKPOINT_WEIGHT}` })
    .int({ error: `expected a traffic share in percent, an integer from 1 to ${MAX_CHECKPOINT_WEIGHT}` })
    .min(1, { error: `expected a traffic share in percent, an integer from 1 to ${MAX_CHECKPOINT_WEIGHT}` })
    .max(MAX_CHECKPOINT_WEIGHT, {
      error: `expected at most ${MAX_CHECKPOINT_WEIGHT} percent: past the last checkpoint the new version takes the rest step by step`,
    }),
  /** How long the share holds while the analysis judges it. */
  pauseMinutes: positiveInt('minutes the share holds', 1440),
});

export const canarySchema = z.strictObject({
  /**
   * The checkpoints, in order of rising share: each holds for its pause while the SLO analysis
   * runs; a missed SLO rolls the new version back. After the last, the new version takes the
   * rest of the traffic one replica at a time.
   */
  steps: z
    .array(checkpoint, { error: 'expected a list of { weight, pauseMinutes }' })
    .min(1, { error: 'expected at least one checkpoint' })
    .max(10, { error: 'expected at most 10 checkpoints' })
    .superRefine((steps, ctx) => {
      steps.forEach((step, index) => {
        const previous = steps[index - 1];
        if (previous && step.weight <= previous.weight)
          ctx.addIssue({
            code: 'custom',
            path: [index, 'weight'],
            input: step.weight,
            message: `expected a share above the previous checkpoint's ${previous.weight}, found ${step.weight}`,
          });
      });
    }),
  /** How often each SLO is measured on the new version's pods, over a window of the same length. */
  analysisMinutes: positiveInt('minutes between SLO measurements', 60).default(5),
  /** Measurements of one SLO that may miss before the new version is rolled back (a noisy window is not a regression). */
  failureLimit: z
    .number({ error: 'expected a count of missed measurements, an integer from 0 to 10' })
    .int({ error: 'expected a count of missed measurements, an integer from 0 to 10' })
    .min(0, { error: 'expected a count of missed measurements, an integer from 0 to 10' })
    .max(10, { error: 'expected a count of missed measurements, an integer from 0 to 10' })
    .default(1),
});

export type CanarySpec = z.infer<typeof canarySchema>;

/**
 * cluster.yaml `models.<model>.canary`: a multi-node model's canary in progress (a second
 * LeaderWorkerSet at the new version, taking `weight` percent of the requests). Argo Rollouts
 * cannot run a LeaderWorkerSet, so promotion PRs move these steps (apps/model-server/staged-canary.ts).
 */
export const modelCanarySchema = z.strictObject({
  /** The new version, which replaces `version` once the last checkpoint has held. */
  version: modelVersion,
  /** The share it takes now: one of the environment's canary checkpoints. */
  weight: z
    .number({ error: `expected a traffic share in percent, an integer from 1 to ${MAX_CHECKPOINT_WEIGHT}` })
    .int({ error: `expected a traffic share in percent, an integer from 1 to ${MAX_CHECKPOINT_WEIGHT}` })
    .min(1, { error: `expected a traffic share in percent, an integer from 1 to ${MAX_CHECKPOINT_WEIGHT}` })
    .max(MAX_CHECKPOINT_WEIGHT, { error: `expected at most ${MAX_CHECKPOINT_WEIGHT} percent, the largest checkpoint share` }),
});

export type ModelCanarySpec = z.infer<typeof modelCanarySchema>;
