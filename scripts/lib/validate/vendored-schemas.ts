import path from 'node:path';
import { existsSync } from 'node:fs';
import { TOOL_ROOT } from '../cli/tool-root.js';

/** Where the repository keeps the schemas of the custom resources it renders (see npm run schemas:vendor). */
export const VENDORED_SCHEMAS_DIR = 'platform/schemas/crds';

/**
 * The vendored schemas as a kubeconform location: part of this repository (next to the code that
 * renders the kinds), so CRD validation is strict and offline in every clone.
 */
export function vendoredLocation(): string {
  return path.join(TOOL_ROOT, VENDORED_SCHEMAS_DIR, '{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json');
}

/**
 * Schema locations in the order they are tried: the repository's vendored CRD schemas first
 * (generated from the CRDs of the exact controller releases platform/crd-sources.yaml locks, so a
 * catalogue's other version of a kind never wins), then explicit ones (flags, then the
 * environment variable) for everything else. The built-in validators come last.
 */
export function withVendoredLocation(explicit: readonly string[]): string[] {
  const vendored = vendoredLocation();
  return existsSync(path.dirname(path.dirname(vendored))) ? [vendored, ...explicit] : [...explicit];
}
