import { setScalars } from '../yaml/edit-scalars.js';

/** Sets `models.<model>.version` in a cluster.yaml, keeping every other byte as people wrote it. */
export function setModelVersion(text: string, file: string, model: string, version: string): string {
  return setScalars(text, file, [{ path: ['models', model, 'version'], value: version }]);
}
