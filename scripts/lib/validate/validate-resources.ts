import { builtinCheck } from './builtin-schemas.js';
import { checkObject, findDuplicates } from './extra-checks.js';
import type { ManifestDocument, ManifestFile } from './manifest-documents.js';
import type { YamlSyntaxError } from '../yaml/syntax-error.js';
import { groupVersionKind, resourceSignature, type ResourceSignature } from './resource-signature.js';
import { SchemaCompiler, type SchemaCheck } from './schema-compiler.js';
import { describeSchemaErrors, type ValidationError } from './schema-errors.js';
import { expandLocation } from './schema-location.js';
import { readSchema, type SchemaText } from './schema-store.js';

export type ResourceStatus = 'valid' | 'invalid' | 'error' | 'skipped' | 'empty';

/**
 * Why an object was skipped: a kustomize build file (not a Kubernetes object), a kind --skip
 * names, or no schema found with --ignore-missing-schemas.
 */
export type SkipReason = 'kustomize' | 'skip-flag' | 'missing-schema';

/** The outcome for one document, in kubeconform's vocabulary plus file-absolute lines. */
export interface ResourceResult {
  readonly filename: string;
  /** 1-based line in the file where the document starts. */
  readonly line: number;
  /** 1-based column, for an error at a place in the file (a YAML syntax error). */
  readonly column?: number;
  /** The numbered source lines around that place, with a caret under the column. */
  readonly snippet?: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The apiVersion. */
  readonly version: string;
  readonly status: ResourceStatus;
  readonly msg: string;
  readonly validationErrors: ReadonlyArray<ValidationError & { readonly line: number }>;
  /** Set when status is skipped. */
  readonly skipReason?: SkipReason;
  /** Where the schema came from (location or built-in package). */
  readonly schema?: string;
}

export interface ValidateOptions {
  /** Expanded per resource and tried in order; then the built-in validators. */
  readonly locations: readonly string[];
  readonly strict: boolean;
  /** Kinds or apiVersion/Kind to skip, or to reject outright. */
  readonly skip: ReadonlySet<string>;
  readonly reject: ReadonlySet<string>;
  readonly ignoreMissingSchemas: boolean;
  /** Use the validators shipped in npm packages when no location has the schema. */
  readonly builtin: boolean;
  readonly cacheDir: string | undefined;
}

/** Files validated together: duplicates are looked for within one group (an environment). */
export interface ValidationGroup {
  readonly files: readonly ManifestFile[];
  readonly kubernetesVersion: string;
}

/** The build file of kustomize, not a Kubernetes object: skipped, never "missing a schema". */
const KUSTOMIZE_GROUP = 'kustomize.config.k8s.io';

export class ResourceValidator {
  private readonly compiler: SchemaCompiler;
  private readonly schemaTexts = new Map<string, Promise<SchemaText>>();
  private readonly checks = new Map<string, Promise<SchemaCheck>>();

  constructor(private readonly options: ValidateOptions) {
    this.compiler = new SchemaCompiler(options.cacheDir);
  }

  async validateGroup(group: ValidationGroup): Promise<ResourceResult[]> {
    const results: ResourceResult[] = [];
    const identified: Array<{ document: ManifestDocument; signature: ResourceSignature }> = [];
    for (const file of group.files) {
      const syntax = file.syntaxError;
      if (syntax) {
        results.push(syntaxErrorResult(file.file, syntax));
        continue;
      }
      for (const document of file.documents) {
        const signature = resourceSignature(document.value);
        if (signature && signature.group !== KUSTOMIZE_GROUP) identified.push({ document, signature });
      }
    }
    const duplicates = findDuplicates(identified);
    for (const file of group.files) {
      for (const document of file.documents) {
        results.push(await this.validateDocument(document, group.kubernetesVersion, duplicates.get(document)));
      }
    }
    return results;
  }

  private async validateDocument(
    document: ManifestDocument,
    kubernetesVersion: string,
    duplicate: ValidationError | undefined,
  ): Promise<ResourceResult> {
    const base = { filename: document.file, line: document.line };
    if (document.value === null || document.value === undefined) {
      return { ...base, kind: '', name: '', version: '', status: 'empty', msg: '', validationErrors: [] };
    }
    const signature = resourceSignature(document.value);
    if (!signature) {
      return {
        ...base,
        kind: '',
        name: '',
        version: '',
        status: 'error',
        msg: 'missing apiVersion or kind: not a Kubernetes object',
        validationErrors: [],
      };
    }
    const identity = {
      ...base,
      kind: signature.kind,
      name: signature.name,
      version: signature.apiVersion,
      ...(signature.namespace ? { namespace: signature.namespace } : {}),
    };
    const matches = (set: ReadonlySet<string>) => set.has(signature.kind) || set.has(groupVersionKind(signature));
    if (signature.group === KUSTOMIZE_GROUP)
      return {
        ...identity,
        status: 'skipped',
        msg: 'kustomize build file, not a Kubernetes object',
        validationErrors: [],
        skipReason: 'kustomize',
      };
    if (matches(this.options.reject))
      return { ...identity, status: 'error', msg: `prohibited resource kind ${signature.kind}`, validationErrors: [] };
    if (matches(this.options.skip)) return { ...identity, status: 'skipped', msg: '', validationErrors: [], skipReason: 'skip-flag' };

    let schemaErrors: ValidationError[];
    let schema: string;
    try {
      const found = await this.schemaFor(signature, kubernetesVersion);
      if (!found) {
        if (this.options.ignoreMissingSchemas)
          return {
            ...identity,
            status: 'skipped',
            msg: `no schema for ${groupVersionKind(signature)}`,
            validationErrors: [],
            skipReason: 'missing-schema',
          };
        return {
          ...identity,
          status: 'error',
          msg: `could not find schema for ${groupVersionKind(signature)} (Kubernetes ${kubernetesVersion}) in ${this.describeSources()}`,
          validationErrors: [],
        };
      }
      schemaErrors = found.check(document.value);
      schema = found.source;
    } catch (error) {
      return { ...identity, status: 'error', msg: (error as Error).message, validationErrors: [] };
    }

    // The schema's finding wins where an extra check says the same about the same field.
    const schemaPaths = new Set(schemaErrors.map((e) => e.path));
    const extra = [...checkObject(signature, document.value), ...(duplicate ? [duplicate] : [])].filter((e) => !schemaPaths.has(e.path));
    const findings = [...schemaErrors, ...extra];
    const validationErrors = findings.map((e) => ({ ...e, line: document.lineOf(e.path) }));
    if (validationErrors.length === 0) return { ...identity, status: 'valid', msg: '', validationErrors: [], schema };
    const msg = validationErrors.map((e) => `${e.path}: ${e.msg}`).join('; ');
    return { ...identity, status: 'invalid', msg, validationErrors, schema };
  }

  /** The first location that has the resource's schema, else the built-in validator. */
  private async schemaFor(
    signature: ResourceSignature,
    kubernetesVersion: string,
  ): Promise<{ source: string; check: (value: unknown) => ValidationError[] } | undefined> {
    for (const template of this.options.locations) {
      const location = expandLocation(template, signature, kubernetesVersion, this.options.strict);
      let text = this.schemaTexts.get(location);
      if (!text) {
        text = readSchema(location, this.options.cacheDir);
        this.schemaTexts.set(location, text);
      }
      const schema = await text;
      if (!schema.found) continue;
      let check = this.checks.get(location);
      if (!check) {
        check = this.compiler.compile(schema.text, this.options.strict).catch((error: Error) => {
          throw new Error(`schema ${location} cannot be used: ${error.message}`);
        });
        this.checks.set(location, check);
      }
      const compiled = await check;
      return { source: location, check: (value) => describeSchemaErrors(compiled(value), value) };
    }
    if (!this.options.builtin) return undefined;
    const builtin = await builtinCheck(signature, this.options.strict);
    if (!builtin) return undefined;
    return {
      source: builtin.source,
      check: (value) => {
        const { ajvErrors, unknownFields } = builtin.check(value);
        return [...describeSchemaErrors(ajvErrors, value), ...unknownFields];
      },
    };
  }

  private describeSources(): string {
    const sources = [...this.options.locations];
    if (this.options.builtin) sources.push('the built-in validators');
    return sources.length === 0 ? 'no schema source' : sources.join(', ');
  }
}

/** A file that is not YAML: one error at the place the parser points to, nothing validated. */
function syntaxErrorResult(filename: string, syntax: YamlSyntaxError): ResourceResult {
  return {
    filename,
    line: syntax.line,
    column: syntax.column,
    snippet: syntax.snippet,
    kind: '',
    name: '',
    version: '',
    status: 'error',
    msg: `YAML syntax error: ${syntax.reason}`,
    validationErrors: [],
  };
}
