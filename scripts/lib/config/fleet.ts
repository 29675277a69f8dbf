import type { ModelSpec } from '../../../apps/models/model-spec.js';
import type { ClusterSpec } from '../../../platform/spec/cluster-spec.js';
import type { YamlPath } from '../yaml/source-map.js';

/** An input file that parsed and matched its schema, with what is needed to point back into it. */
export interface Located<T> {
  readonly spec: T;
  /** Repository-relative path. */
  readonly file: string;
  readonly lineOf: (path: YamlPath) => number;
}

/** Every input of the repository, checked on its own and against each other. */
export interface Fleet {
  /** Catalogue entries by model name. */
  readonly models: ReadonlyMap<string, Located<ModelSpec>>;
  /** Environments by name (= folder under clusters/), in name order. */
  readonly environments: ReadonlyMap<string, Located<ClusterSpec>>;
}
