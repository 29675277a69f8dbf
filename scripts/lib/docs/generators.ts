import { BOOTSTRAP_WAVE, PLATFORM_COMPONENTS, PLATFORM_STAGES, syncWaveOf } from '../../../platform/components.js';
import { gateway } from '../../../apps/gateway/gateway-chart.js';
import { modelServer } from '../../../apps/model-server/model-server-chart.js';
import type { PolicyRule } from '../policy/catalogue.js';
import { table } from '../text/markdown.js';

/** Kinds by API group: "karpenter.sh: NodePool, NodeClaim; karpenter.k8s.aws: EC2NodeClass". */
function kindsByGroup(kinds: ReadonlyArray<{ group: string; kind: string }>): string {
  const groups = new Map<string, string[]>();
  for (const { group, kind } of kinds) groups.set(group, [...(groups.get(group) ?? []), kind]);
  return [...groups].map(([group, names]) => `${group}: ${[...new Set(names)].join(', ')}`).join('; ');
}

/**
 * The sync order as Argo CD applies it: each stage's wave, its components, the custom resource
 * kinds their sync installs and those their objects use.
 */
export function syncOrderTable(): string {
  const rows = [
    [String(BOOTSTRAP_WAVE), 'bootstrap: the AppProject and the root Application', '', ''],
    ...PLATFORM_STAGES.map((stage) => [
      String(syncWaveOf('platform', stage[0]!.name)),
      stage.map((c) => `\`${c.name}\``).join(', '),
      kindsByGroup(stage.flatMap((c) => c.installs)),
      kindsByGroup(stage.flatMap((c) => c.needs)),
    ]),
    [
      String(syncWaveOf('apps', 'gateway')),
      `apps: \`${gateway.name}\`, \`${modelServer.name}\` (one per model)`,
      '',
      kindsByGroup([...gateway.needs, ...modelServer.needs]),
    ],
  ];
  return table(['wave', 'components', 'custom resource kinds their sync installs', 'custom resource kinds their objects use'], rows);
}

/** The counts the root README states. */
export function packFacts(rules: readonly PolicyRule[]): string {
  return `${PLATFORM_COMPONENTS.length} platform components in ${PLATFORM_STAGES.length} sync stages, ${rules.length} policy rules.`;
}
