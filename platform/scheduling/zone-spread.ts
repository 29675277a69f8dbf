/**
 * Spread a workload's pods over availability zones, so one zone's outage leaves some of them.
 * ScheduleAnyway: capacity (GPUs above all) is often in one zone only, and a pending pod serves nobody.
 * `matchLabelKeys` narrows the count, e.g. to one rollout's pods (`pod-template-hash`).
 */
export function spreadOverZones(selector: Record<string, string>, matchLabelKeys?: string[]) {
  return [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
      ...(matchLabelKeys ? { matchLabelKeys } : {}),
    },
  ];
}
