import { dump, load } from 'js-yaml';
import { placeholder } from '../config/placeholders.js';
import { YamlSourceMap, type YamlPath } from '../yaml/source-map.js';
import type { ScaffoldedFile } from './new-environment.js';

export interface NewModelOptions {
  readonly name: string;
  /** The catalogue entry whose engine, GPU and resource settings the new model starts with. */
  readonly fromText: string;
  readonly from: string;
  readonly servedName?: string | undefined;
  readonly source?: string | undefined;
  readonly version?: string | undefined;
  readonly digest?: string | undefined;
}

/**
 * apps/models/<name>.yaml from another catalogue entry: its engine, GPU, parallelism, context
 * and resource settings (a starting point to adjust), with the model's own identity (served
 * name, parameters, weights location, versions and digests) from the flags or as placeholders.
 */
export function scaffoldModel(options: NewModelOptions): ScaffoldedFile {
  const base = load(options.fromText) as Record<string, unknown>;
  const asked: Array<{ path: YamlPath; what: string }> = [];
  const fill = (path: YamlPath, what: string, given?: string): string => {
    if (given !== undefined) return given;
    asked.push({ path, what });
    return placeholder(what);
  };
  const version = fill(['versions'], 'the first version, a sub-prefix of source such as v2026.12.0', options.version);
  const model: Record<string, unknown> = {
    name: options.name,
    servedModelName: fill(
      ['servedModelName'],
      'the name clients send as "model", such as "mistralai/Mistral-7B-Instruct-v0.3"',
      options.servedName,
    ),
    parametersBillions: fill(['parametersBillions'], 'the parameter count in billions, such as 7'),
    source: fill(['source'], 'the S3 prefix of the weights, s3://BUCKET/PREFIX, each version a sub-prefix', options.source),
    versions: {
      [version]: {
        digest: fill(['versions', version, 'digest'], 'the weights digest npm run weights-digest prints for this version', options.digest),
      },
    },
  };
  for (const [key, value] of Object.entries(base)) if (!(key in model)) model[key] = value;
  const file = `apps/models/${options.name}.yaml`;
  const header = [
    `# ${options.name}: made from ${options.from} by npm run new:model. Fill in every FILL(...) value, and check`,
    `# the settings copied from ${options.from} (GPUs, instance families, parallelism, context, resources) fit this model.`,
  ].join('\n');
  const text = `${header}\n${dump(model, { noRefs: true, lineWidth: -1 })}`;
  const source = YamlSourceMap.of(text, file);
  // The version key's placeholder is listed as `versions`, its digest as versions.<version>.digest.
  const placeholders = asked.map((a) => ({
    ...a,
    line: source.lineOf(a.path.length === 1 && a.path[0] === 'versions' ? ['versions', version] : a.path),
    path: a.path.length === 3 && options.version === undefined ? ['versions', '<version>', 'digest'] : a.path,
  }));
  return { text, placeholders: placeholders.sort((a, b) => a.line - b.line) };
}
