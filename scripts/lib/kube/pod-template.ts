/** Where each workload kind keeps the pod it creates (metadata and spec), as a path from the object. */
export const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

type Json = Record<string, unknown>;
const asJson = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

/** The pod template of a workload object ({ metadata, spec }; a Pod is its own), or undefined for other kinds. */
export function podTemplateOf(object: { readonly kind: string }): Json | undefined {
  const path = POD_TEMPLATE_PATHS[object.kind];
  if (!path) return undefined;
  let value: Json | undefined = object as Json;
  for (const key of path) value = asJson(value?.[key]);
  return value ?? {};
}
