import { describe, expect, test } from 'vitest';
import { vllmFlagArgs, vllmFlagProblem } from '../apps/models/vllm-flags.js';

describe('vLLM extraArgs allow-list', () => {
  test('accepts allowed flags with well-formed values', () => {
    expect(vllmFlagProblem('gpu-memory-utilization', 0.9)).toBeUndefined();
    expect(vllmFlagProblem('enable-prefix-caching', false)).toBeUndefined();
    expect(vllmFlagProblem('kv-cache-dtype', 'fp8')).toBeUndefined();
  });

  test('refuses flags the chart owns or that are unsafe, saying why', () => {
    expect(vllmFlagProblem('tensor-parallel-size', 2)).toContain('set tensorParallelSize instead');
    expect(vllmFlagProblem('api-key', 'secret')).toContain('a secret must not live in git');
    expect(vllmFlagProblem('trust-remote-code', true)).toContain('runs code shipped with the weights');
  });

  test('refuses unknown flags with a suggestion for a typo, and bad values with the expectation', () => {
    expect(vllmFlagProblem('max-num-seq', 8)).toContain('did you mean "max-num-seqs"?');
    expect(vllmFlagProblem('gpu-memory-utilization', 1.5)).toBe('expected a fraction in (0, 1], such as 0.92, found 1.5');
    expect(vllmFlagProblem('enforce-eager', false)).toBe('expected true (omit the flag to leave it off), found false');
  });

  test('renders flags sorted, booleans as switches and negatable ones as --no-', () => {
    expect(vllmFlagArgs({ 'max-num-seqs': 64, 'enable-prefix-caching': false, 'enforce-eager': true, dtype: 'bfloat16' })).toEqual([
      '--dtype',
      'bfloat16',
      '--no-enable-prefix-caching',
      '--enforce-eager',
      '--max-num-seqs',
      '64',
    ]);
  });
});
