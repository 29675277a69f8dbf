import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';
import { byCodeUnit } from '../../../platform/core/compare.js';

/** Where the policy pack lives, relative to the repository root. */
export const POLICIES_DIR = 'policies';
export const POLICY_DATA_DIR = `${POLICIES_DIR}/data`;

/**
 * Topics, each a folder of rules (policies/<topic>/<rule>/), in the order the documentation lists
 * them. What a rule reads (and so which conftest pass runs it) is its METADATA's `input`.
 */
export const POLICY_TOPICS = ['workload', 'security', 'gpu', 'network', 'aws', 'gitops', 'promotion'] as const;
export type PolicyTopic = (typeof POLICY_TOPICS)[number];

/**
 * What a rule reads, and so which conftest pass runs it: one object per document, every object
 * of an environment (`--combine`), a cluster.yaml, or a cluster.yaml with its promotion source's
 * rendered model servers.
 */
export const POLICY_INPUTS = ['object', 'combined', 'config', 'promotion'] as const;
export type PolicyInput = (typeof POLICY_INPUTS)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

const metadataSchema = z.object({
  scope: z.literal('package').optional(),
  title: z.string().min(1),
  description: z.string().min(1),
  custom: z.object({
    id: z.string().regex(/^[A-Z]+-\d{3}$/, { error: 'expected an id such as WL-001' }),
    severity: z.enum(SEVERITIES),
    kinds: z.array(z.string().min(1)).min(1),
    input: z.enum(POLICY_INPUTS),
  }),
});

/** One rule of the pack, as its METADATA block describes it. */
export interface PolicyRule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly severity: (typeof SEVERITIES)[number];
  readonly kinds: readonly string[];
  readonly input: PolicyInput;
  /** Rego package, e.g. workload.probes: the topic and the rule's folder. */
  readonly pkg: string;
  readonly topic: PolicyTopic;
  /** Repository-relative path of the rule's file: policies/<topic>/<rule>/<rule>.rego. */
  readonly file: string;
  /** Its folder of samples, with allowed/ and denied/ manifests. */
  readonly samplesDir: string;
}

export class CatalogueError extends Error {}

/**
 * Every rule under policies/<topic>/<rule>/<rule>.rego, in topic order, then by id. Throws on a
 * malformed rule, or a rule folder without its rule file.
 */
export async function loadCatalogue(root: string): Promise<PolicyRule[]> {
  const rules: PolicyRule[] = [];
  for (const topic of POLICY_TOPICS) {
    const dir = path.join(root, POLICIES_DIR, topic);
    const inTopic: PolicyRule[] = [];
    const folders = (await readdir(dir, { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort(byCodeUnit);
    for (const name of folders) {
      const file = `${POLICIES_DIR}/${topic}/${name}/${name}.rego`;
      const text = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
      if (text === undefined) throw new CatalogueError(`${POLICIES_DIR}/${topic}/${name}/: a rule folder needs ${name}.rego`);
      inTopic.push(parseRule(text, file, topic));
    }
    rules.push(...inTopic.sort((a, b) => byCodeUnit(a.id, b.id)));
  }
  const seen = new Map<string, string>();
  for (const rule of rules) {
    const other = seen.get(rule.id);
    if (other) throw new CatalogueError(`${rule.file}: policy id ${rule.id} is already used by ${other}`);
    seen.set(rule.id, rule.file);
  }
  return rules;
}

/** Reads the package-scoped METADATA block (the comment lines right above `package`). */
export function parseRule(text: string, file: string, topic: PolicyTopic): PolicyRule {
  const lines = text.split('\n');
  const packageLine = lines.findIndex((l) => /^package\s+\S+/.test(l));
  if (packageLine < 0) throw new CatalogueError(`${file}: no package statement`);
  const pkg = lines[packageLine]!.replace(/^package\s+/, '').trim();
  const expected = `${topic}.${path.basename(file, '.rego')}`;
  if (pkg !== expected)
    throw new CatalogueError(`${file}:${packageLine + 1}: package ${pkg} should be ${expected} (topic and rule folder)`);
  let start = packageLine;
  while (start > 0 && lines[start - 1]!.startsWith('#')) start--;
  const block = lines.slice(start, packageLine);
  if (block[0]?.trim() !== '# METADATA')
    throw new CatalogueError(`${file}:${packageLine + 1}: expected a "# METADATA" comment block right above the package statement`);
  const yaml = block
    .slice(1)
    .map((l) => l.replace(/^# ?/, ''))
    .join('\n');
  let parsed: unknown;
  try {
    parsed = load(yaml);
  } catch (error) {
    throw new CatalogueError(`${file}:${start + 1}: METADATA is not valid YAML: ${(error as Error).message}`);
  }
  const result = metadataSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(block)'}: ${i.message}`).join('; ');
    throw new CatalogueError(`${file}:${start + 1}: METADATA ${issues}`);
  }
  const meta = result.data;
  return {
    id: meta.custom.id,
    title: meta.title,
    description: meta.description.trim(),
    severity: meta.custom.severity,
    kinds: meta.custom.kinds,
    input: meta.custom.input,
    pkg,
    topic,
    file,
    samplesDir: `${path.posix.dirname(file)}/samples`,
  };
}

/** Rego packages of the rules that read a given input. */
export function packagesFor(rules: readonly PolicyRule[], input: PolicyInput): string[] {
  return rules.filter((r) => r.input === input).map((r) => r.pkg);
}
