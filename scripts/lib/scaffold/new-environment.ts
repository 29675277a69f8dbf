import { load } from 'js-yaml';
import { ENVIRONMENT_IDENTITY, identityPaths } from '../config/environment-identity.js';
import { placeholder } from '../config/placeholders.js';
import { setScalars, type ScalarEdit } from '../yaml/edit-scalars.js';
import { YamlSourceMap, type YamlPath } from '../yaml/source-map.js';

export interface ScaffoldedFile {
  readonly text: string;
  /** Each placeholder written: its field and line, for the "fill these in" list. */
  readonly placeholders: ReadonlyArray<{ path: YamlPath; line: number; what: string }>;
}

/**
 * clusters/<name>/cluster.yaml from another environment's: the same settings (versions, sizes,
 * GPU families, promotion), `name` set, and a placeholder for every value that says which AWS
 * resources the environment is (ENVIRONMENT_IDENTITY), so nothing of the source's account,
 * cluster, hosts or ids is reused by accident. Comments are kept; the header says where the file
 * came from.
 */
export function scaffoldEnvironment(sourceText: string, sourceFile: string, from: string, name: string): ScaffoldedFile {
  const doc = load(sourceText);
  const edits: Array<ScalarEdit & { what: string }> = [{ path: ['name'], value: name, what: '' }];
  for (const field of ENVIRONMENT_IDENTITY)
    for (const at of identityPaths(field, doc)) edits.push({ path: at, value: placeholder(field.fill), what: field.fill, quote: true });
  const edited = setScalars(sourceText, sourceFile, edits);
  const header = `# ${name}: made from ${from} by npm run new:env. Fill in every FILL(...) value, then npm run render.\n`;
  const text = header + edited.replace(/^(#[^\n]*\n)+/, '');
  const source = YamlSourceMap.of(text, `clusters/${name}/cluster.yaml`);
  return {
    text,
    placeholders: edits.slice(1).map((e) => ({ path: e.path, line: source.lineOf(e.path), what: e.what })),
  };
}
