import { dump } from 'js-yaml';

/** YAML as reviewers read it, in rendered files and the documents embedded in them: block style, no line folding, no anchors. */
export function toYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true });
}
