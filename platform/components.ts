import { ack } from './ack/ack.js';
import { argoRollouts } from './argo-rollouts/argo-rollouts.js';
import { ackServices } from './ack-services/ack-services.js';
import { aws } from './aws/aws.js';
import { awsLoadBalancer } from './aws-load-balancer/aws-load-balancer.js';
import { cloudwatch } from './cloudwatch/cloudwatch.js';
import type { Layer } from './core/component-chart.js';
import type { PlatformComponent } from './core/component.js';
import { externalDns } from './external-dns/external-dns.js';
import { externalSecrets } from './external-secrets/external-secrets.js';
import { gatewayApi } from './gateway-api/gateway-api.js';
import { gpu } from './gpu/gpu.js';
import { inferenceExtension } from './inference-extension/inference-extension.js';
import { istio } from './istio/istio.js';
import { karpenter } from './karpenter/karpenter.js';
import { keda } from './keda/keda.js';
import { kro } from './kro/kro.js';
import { lws } from './lws/lws.js';
import { metricsServer } from './metrics-server/metrics-server.js';
import { monitoring } from './monitoring/monitoring.js';
import { scheduling } from './scheduling/scheduling.js';
import { storage } from './storage/storage.js';

/**
 * The sync order of the platform layer: stages in the order they sync, the components of one
 * stage together. Each component's sync wave is derived from its stage (syncWaveOf); the apps
 * layer syncs after the last stage. This list is the only place the order is written.
 */
export const PLATFORM_STAGES: readonly (readonly PlatformComponent[])[] = [
  [ack],
  [ackServices],
  [kro],
  [aws, scheduling],
  [externalSecrets, monitoring],
  [cloudwatch],
  [storage, karpenter, awsLoadBalancer, metricsServer],
  [gpu, lws, inferenceExtension, gatewayApi],
  [keda, istio, argoRollouts],
  [externalDns],
];

/** Every platform component, in sync order. */
export const PLATFORM_COMPONENTS: readonly PlatformComponent[] = PLATFORM_STAGES.flat();

/** Waves are this far apart, so that a stage can be split in two without renumbering the rest. */
const WAVE_STEP = 10;

/**
 * Sync waves, derived from the order: the bootstrap (project and Applications) first, then each
 * platform stage, then the apps layer, WAVE_STEP apart and ending at 0 for the apps.
 */
function waveOfStage(stage: number): number {
  return WAVE_STEP * (stage - (PLATFORM_STAGES.length + 1));
}

/** The wave of the bootstrap objects (the AppProject and the root Application). */
export const BOOTSTRAP_WAVE = waveOfStage(0);

/** The sync wave of a component's Application: its stage's, or the last one for the apps layer. */
export function syncWaveOf(layer: Layer, component: string): number {
  if (layer === 'apps') return waveOfStage(PLATFORM_STAGES.length + 1);
  return waveOfStage(stageOf(component) + 1);
}

/** A platform component's stage (0 first). */
export function stageOf(component: string): number {
  const stage = PLATFORM_STAGES.findIndex((components) => components.some((c) => c.name === component));
  if (stage === -1) throw new Error(`platform component "${component}" is not in the sync order (platform/components.ts)`);
  return stage;
}
