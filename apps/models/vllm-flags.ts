/**
 * The vLLM server flags a model catalogue entry may add through `extraArgs`.
 *
 * An allow-list, not a pass-through: flags that the chart renders itself (model path, port,
 * parallelism) would silently fight the rendered ones, and some flags are unsafe on a shared
 * platform (`--trust-remote-code` runs code from the weights; `--api-key` puts a secret in git).
 * Names and value shapes follow the vLLM engine-arguments reference.
 */

import { closestMatch } from '../../platform/core/closest-match.js';

export type VllmFlagValue = string | number | boolean;

interface FlagRule {
  /** What the value must be, phrased for an error message. */
  readonly expected: string;
  readonly accepts: (value: VllmFlagValue) => boolean;
  /** Boolean flags that vLLM also accepts as `--no-<flag>` (argparse BooleanOptionalAction). */
  readonly negatable?: boolean;
}

const positiveInt: FlagRule = { expected: 'a positive integer', accepts: (v) => Number.isInteger(v) && (v as number) > 0 };
const flagOn: FlagRule = { expected: 'true (omit the flag to leave it off)', accepts: (v) => v === true };
const flagOnOff: FlagRule = { expected: 'true or false', accepts: (v) => typeof v === 'boolean', negatable: true };
const oneOf = (...values: string[]): FlagRule => ({
  expected: `one of ${values.map((v) => `"${v}"`).join(', ')}`,
  accepts: (v) => typeof v === 'string' && values.includes(v),
});
const identifier: FlagRule = {
  expected: 'a parser name such as "llama3_json"',
  accepts: (v) => typeof v === 'string' && /^[a-z0-9_]{1,64}$/.test(v),
};

export const ALLOWED_VLLM_FLAGS: Readonly<Record<string, FlagRule>> = {
  'block-size': { expected: 'one of 8, 16, 32, 64, 128', accepts: (v) => [8, 16, 32, 64, 128].includes(v as number) },
  'disable-custom-all-reduce': flagOn,
  dtype: oneOf('auto', 'bfloat16', 'float16'),
  'enable-auto-tool-choice': flagOn,
  'enable-chunked-prefill': flagOnOff,
  'enable-prefix-caching': flagOnOff,
  'enforce-eager': flagOn,
  'gpu-memory-utilization': { expected: 'a fraction in (0, 1], such as 0.92', accepts: (v) => typeof v === 'number' && v > 0 && v <= 1 },
  'kv-cache-dtype': oneOf('auto', 'fp8', 'fp8_e4m3', 'fp8_e5m2'),
  'max-log-len': positiveInt,
  'max-num-batched-tokens': positiveInt,
  'max-num-seqs': positiveInt,
  quantization: oneOf('awq', 'gptq', 'fp8', 'compressed-tensors', 'bitsandbytes'),
  'reasoning-parser': identifier,
  seed: { expected: 'a non-negative integer', accepts: (v) => Number.isInteger(v) && (v as number) >= 0 },
  'swap-space': { expected: 'GiB of CPU swap per GPU, a number >= 0', accepts: (v) => typeof v === 'number' && v >= 0 },
  'tool-call-parser': identifier,
  'uvicorn-log-level': oneOf('critical', 'error', 'warning', 'info', 'debug'),
};

/** Flags that have a reason to be refused beyond "not on the list". */
const REFUSED_BECAUSE: Readonly<Record<string, string>> = {
  model: 'the chart sets it to the cached weights of the deployed version',
  'served-model-name': 'set servedModelName instead',
  'tensor-parallel-size': 'set tensorParallelSize instead',
  'pipeline-parallel-size': 'set pipelineParallelSize instead',
  'max-model-len': 'set maxModelLen instead',
  port: 'the chart serves on 8000, which the Service and probes use',
  host: 'the chart binds the server for the Service',
  'download-dir': 'weights come from the model cache volume, never downloaded at start',
  'api-key': 'a secret must not live in git; the gateway authenticates callers',
  'trust-remote-code': 'it runs code shipped with the weights; not allowed on the shared platform',
};

/** Why `flag` with `value` is not allowed, or undefined when it is. */
export function vllmFlagProblem(flag: string, value: VllmFlagValue): string | undefined {
  const refusal = REFUSED_BECAUSE[flag];
  if (refusal) return `"${flag}" cannot be set here: ${refusal}`;
  const rule = ALLOWED_VLLM_FLAGS[flag];
  if (!rule) {
    const allowed = Object.keys(ALLOWED_VLLM_FLAGS);
    const suggestion = closestMatch(flag, allowed);
    const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
    return `"${flag}" is not an allowed vLLM flag${hint}; allowed: ${allowed.join(', ')}`;
  }
  if (!rule.accepts(value)) return `expected ${rule.expected}, found ${JSON.stringify(value)}`;
  return undefined;
}

/** Command-line arguments for validated extra flags, in a stable (sorted) order. */
export function vllmFlagArgs(flags: Readonly<Record<string, VllmFlagValue>>): string[] {
  return Object.keys(flags)
    .sort()
    .flatMap((flag) => {
      const value = flags[flag] as VllmFlagValue;
      if (value === true) return [`--${flag}`];
      if (value === false) return ALLOWED_VLLM_FLAGS[flag]?.negatable ? [`--no-${flag}`] : [];
      return [`--${flag}`, String(value)];
    });
}
