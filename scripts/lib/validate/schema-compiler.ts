import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { sha256, writeAtomically } from './schema-store.js';

/** A compiled schema: returns the ajv errors for a document, empty when it is valid. */
export type SchemaCheck = (value: unknown) => ErrorObject[];

/** Bump when the compile options or the schema transformation change, to invalidate the cache. */
const COMPILED_FORMAT = 'ajv8-standalone-v2';

const requireHere = createRequire(import.meta.url);

/**
 * Compiles JSON schemas with ajv. A Kubernetes "standalone" schema inlines every reference (the
 * Deployment one is 650 KB), and compiling it costs a third of a second; so the generated
 * validation code is cached on disk by the schema's hash and reused by later runs.
 */
export class SchemaCompiler {
  private ajv: Promise<{ ajv: Ajv; standalone: (ajv: Ajv, validate: ValidateFunction) => string }> | undefined;
  private readonly compiled = new Map<string, SchemaCheck>();

  constructor(private readonly cacheDir: string | undefined) {}

  async compile(text: string, strict: boolean): Promise<SchemaCheck> {
    // Keyed by the schema's text: a cache hit needs neither JSON parsing nor ajv.
    const key = sha256(`${COMPILED_FORMAT}\n${strict}\n${text}`);
    const known = this.compiled.get(key);
    if (known) return known;

    const cached = this.cacheDir === undefined ? undefined : path.join(this.cacheDir, 'validators', `${key}.cjs`);
    let validate: ValidateFunction | undefined;
    if (cached) {
      const code = await readFile(cached, 'utf8').catch(() => undefined);
      if (code !== undefined) validate = link(code);
    }
    if (!validate) {
      const { ajv, standalone } = await this.compilerInstance();
      validate = ajv.compile(prepareSchema(JSON.parse(text) as Record<string, unknown>, strict));
      if (cached) await writeAtomically(cached, standalone(ajv, validate));
    }
    const check = toCheck(validate);
    this.compiled.set(key, check);
    return check;
  }

  /** ajv is loaded only when a schema is not in the cache: warm runs skip a tenth of a second. */
  private compilerInstance() {
    this.ajv ??= (async () => {
      // Named exports of a CommonJS package, read from module.exports: the same under Node and in
      // the bundle (scripts/launch.mjs).
      const { Ajv } = (await import('ajv')).default;
      const standalone = (await import('ajv/dist/standalone/index.js')).default;
      const ajv = new Ajv({
        strict: false, // CRD schemas carry x-kubernetes-* keywords
        allErrors: true, // report every problem of a document, not the first
        validateSchema: false,
        validateFormats: false, // Kubernetes formats (int32, int-or-string, ...) are annotations
        code: { source: true },
      });
      return { ajv, standalone: (instance: Ajv, validate: ValidateFunction) => standalone.default(instance, validate) };
    })();
    return this.ajv;
  }
}

/**
 * The schema as we validate with it: draft-4 `$schema` URIs dropped (ajv speaks draft-07, which
 * reads these schemas the same), and in strict mode unknown top-level fields refused even where
 * a CRD schema leaves the root open (its spec and status are closed, its root is not).
 */
function prepareSchema(schema: Record<string, unknown>, strict: boolean): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  if (
    strict &&
    typeof rest.properties === 'object' &&
    rest.additionalProperties === undefined &&
    !rest['x-kubernetes-preserve-unknown-fields']
  ) {
    return { ...rest, additionalProperties: false };
  }
  return rest;
}

/** Evaluates cached standalone code with our own `require`, so its ajv runtime imports resolve. */
function link(code: string): ValidateFunction {
  const module = { exports: {} as { default?: ValidateFunction } };
  new Function('require', 'module', 'exports', code)(requireHere, module, module.exports);
  const validate = (module.exports.default ?? module.exports) as ValidateFunction;
  if (typeof validate !== 'function') throw new Error('cached schema validator is corrupt');
  return validate;
}

function toCheck(validate: ValidateFunction): SchemaCheck {
  return (value) => (validate(value) ? [] : [...(validate.errors ?? [])]);
}
