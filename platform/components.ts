import { ack } from './ack/ack.js';
import { aws } from './aws/aws.js';
import { awsLoadBalancer } from './aws-load-balancer/aws-load-balancer.js';
import { cloudwatch } from './cloudwatch/cloudwatch.js';
import type { Layer } from './core/component-chart.js';
import type { PlatformComponent } from './core/component.js';
import { externalDns } from './external-dns/external-dns.js';
import { externalSecrets } from './external-secrets/external-secrets.js';
import { gpu } from './gpu/gpu.js';
import { karpenter } from './karpenter/karpenter.js';
import { keda } from './keda/keda.js';
import { kro } from './kro/kro.js';
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
  [kro],
  [aws, scheduling],
  [externalSecrets, monitoring],
  [cloudwatch],
  [storage, karpenter, awsLoadBalancer, metricsServer],
  [gpu],
  [keda],
  [externalDns],
];

/** Every platform component, in sync order. */
export const PLATFORM_COMPONENTS: readonly PlatformComponent[] = PLATFORM_STAGES.flat();

/** Waves until the ordered list replaces them (this change keeps the rendered output identical). */
const STAGE_WAVES = [-60, -55, -50, -40, -35, -30, -25, -20, -10];
const APPS_WAVE = 10;

/** The sync wave of a component's Application: from its stage, or after the platform for apps. */
export function syncWaveOf(layer: Layer, component: string): number {
  if (layer === 'apps') return APPS_WAVE;
  const stage = PLATFORM_STAGES.findIndex((components) => components.some((c) => c.name === component));
  if (stage === -1) throw new Error(`platform component "${component}" is not in the sync order (platform/components.ts)`);
  return STAGE_WAVES[stage]!;
}
