import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiObject } from 'cdk8s';
import { load } from 'js-yaml';
import type { Construct } from 'constructs';
import { packageRoot } from './package-root.js';

/**
 * CRDs a component applies from copies committed beside it, for projects that publish their CRDs
 * in release manifests rather than a chart (platform/crd-sources.yaml `manifests`: a test holds
 * each copy equal to the module's file). Labelled as the component's; spec and names untouched.
 */
export function addCommittedCrds(scope: Construct, component: string, files: readonly string[]): void {
  for (const file of files) {
    const crd = load(readFileSync(path.join(packageRoot(import.meta.url), file), 'utf8')) as Record<string, unknown>;
    const metadata = crd.metadata as Record<string, unknown>;
    const plural = String(metadata.name).split('.')[0] ?? file;
    new ApiObject(scope, plural, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        ...metadata,
        labels: { 'app.kubernetes.io/part-of': 'llm-platform', 'app.kubernetes.io/component': component },
      },
      spec: crd.spec,
    });
  }
}
