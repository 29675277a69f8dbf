/*
 * The two tracks of a model with canaries, as its router and its Rollout both name them: the
 * stable and the canary pods, each behind an InferencePool and a Service of the track's name.
 */

/** The pod label Argo Rollouts' ephemeral metadata sets: which pool a pod serves in. */
export const TRACK_LABEL = 'eks-llm-gitops.io/track';
export type Track = 'stable' | 'canary';
export const TRACKS: readonly Track[] = ['stable', 'canary'];

/** The component label of the tracks' Services (not model-server's: no ServiceMonitor selects them). */
export const ROLLOUT_TRACK_COMPONENT = 'rollout-track';

/** A track's name: its Service (Argo Rollouts' stableService or canaryService) and its InferencePool. */
export const trackName = (model: string, track: Track): string => `${model}-${track}`;

/** The HTTPRoute whose weights the plugin writes: the model's route in its Gateway. */
export const canaryRouteName = (model: string): string => model;
