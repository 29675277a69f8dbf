import { describe, expect, test } from 'vitest';
import { estimateTimeToReady, worstCase, weightsGB, type ReadyModel } from '../apps/model-server/time-to-ready.js';
import { startupBudgets } from '../apps/model-server/time-budgets.js';
import { makeFixtureRepo, runScript } from './helpers/fixture-repo.js';

/*
 * The time-to-ready estimate, against sums worked by hand from apps/model-server/startup-figures.ts:
 * node 180 s (240 s for p4d/p5), image 10 GB at 25 MB/s = 400 s, S3 2.5 GB/s, EFS 1.57 GB/s per
 * client, NVMe 5 GB/s, sha256 0.5 GB/s per CPU (2 CPUs for EFS, 8 for NVMe), safetensors 0.33 and
 * the streamer 2.1 GB/s per rank, engine start 200/64 s on one GPU and 205/145 s with tensor
 * parallelism (without/with the compile cache), 60 s more across nodes.
 */

const model70b: ReadyModel = {
  parametersBillions: 70,
  gpu: { count: 8, nodes: 1, instanceFamilies: ['p5', 'p4d', 'g6e'], efa: false },
  tensorParallelSize: 8,
  loading: { from: 'efs', streamer: { concurrency: 16 } },
  extraArgs: {},
};

const steps = (model: ReadyModel, family: string, situation: 'first' | 'scale-up' | 'warm') =>
  Object.fromEntries(estimateTimeToReady(model, family, situation).steps.map((s) => [s.step, s.seconds]));

describe('the time-to-ready estimate', () => {
  test('70B from EFS with the streamer: the first replica of a version copies, checks and compiles; later ones only load', () => {
    // 140 GB: copy at min(2.5, 1.57) = 89.2 s, check at min(2 x 0.5, 1.57) = 140 s, load at min(1.57, 8 x 2.1) = 89.2 s.
    expect(steps(model70b, 'p5', 'first')).toEqual({ node: 240, image: 400, copy: 90, verify: 140, load: 90, engine: 205 });
    expect(estimateTimeToReady(model70b, 'p5', 'first')).toMatchObject({ totalSeconds: 1165, engineStartSeconds: 295 });
    expect(steps(model70b, 'p5', 'scale-up')).toEqual({ node: 240, image: 400, load: 90, engine: 145 });
    expect(steps(model70b, 'p5', 'warm')).toEqual({ load: 90, engine: 145 });
    expect(steps(model70b, 'g6e', 'scale-up').node).toBe(180);
  });

  test('the default loader reads one tensor at a time per rank: an 8B on one GPU loads at 0.33 GB/s', () => {
    const model8b: ReadyModel = {
      ...model70b,
      parametersBillions: 8,
      gpu: { ...model70b.gpu, count: 1 },
      tensorParallelSize: 1,
      loading: { from: 'efs' },
    };
    expect(steps(model8b, 'g6e', 'scale-up')).toEqual({ node: 180, image: 400, load: 49, engine: 64 });
    const streamed = { ...model8b, loading: { from: 'efs' as const, streamer: { concurrency: 16 } } };
    expect(steps(streamed, 'g6e', 'scale-up').load).toBe(11);
  });

  test('NVMe copies on every replica (8 CPUs hash it), S3 streams without a copy', () => {
    const nvme = { ...model70b, loading: { from: 'nvme' as const, streamer: { concurrency: 16 } } };
    // copy 140 / 2.5 = 56 s, check at min(8 x 0.5, 5) = 35 s, load at 5 GB/s = 28 s.
    expect(steps(nvme, 'p5', 'scale-up')).toEqual({ node: 240, image: 400, copy: 56, verify: 35, load: 28, engine: 145 });
    const s3 = { ...model70b, loading: { from: 's3' as const } };
    expect(steps(s3, 'p5', 'first')).toEqual({ node: 240, image: 400, load: 56, engine: 205 });
  });

  test('a replica on two nodes loads half the weights on each and waits for the rendezvous', () => {
    const model405b: ReadyModel = {
      parametersBillions: 405,
      gpu: { count: 8, nodes: 2, instanceFamilies: ['p5'], efa: true },
      tensorParallelSize: 8,
      loading: { from: 's3', streamer: { concurrency: 32 } },
      extraArgs: {},
    };
    // 810 GB, 405 GB per node from S3 at 2.5 GB/s = 162 s; engine 205 + 60 s.
    expect(steps(model405b, 'p5', 'first')).toEqual({ node: 240, image: 400, load: 162, engine: 265 });
    expect(weightsGB({ parametersBillions: 405, extraArgs: { quantization: 'fp8' } })).toBe(405);
  });

  test('budgets are twice the slowest family\u2019s first replica, rounded up to the probe period and the minute', () => {
    const budgets = startupBudgets(model70b, ['g6e', 'p4d', 'p5']);
    expect(budgets.estimate.family).toBe('p4d');
    expect(budgets.startupSeconds).toBe(590);
    expect(budgets.progressDeadlineSeconds).toBe(2340);
    expect(worstCase(model70b, ['g6e'], 'first').totalSeconds).toBe(1105);
    const tiny = { ...model70b, parametersBillions: 1, gpu: { ...model70b.gpu, count: 1 }, tensorParallelSize: 1 };
    // 1B: 2 s of load and the 200 s engine start, twice: 404 s, rounded up to 410.
    expect(startupBudgets(tiny, ['g6e']).startupSeconds).toBe(410);
  });
});

describe('npm run time-to-ready', () => {
  test('prints each step per situation, the weight sources compared, and the budgets; warm only where warm nodes fit', async ({
    onTestFinished,
  }) => {
    const repo = await makeFixtureRepo();
    onTestFinished(() => repo.dispose());
    const result = await runScript('time-to-ready', ['--env', 'prod', '--model', 'llama-3-3-70b-instruct'], repo.root);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('prod llama-3-3-70b-instruct v2026.10.1: weights from EFS (Run:ai streamer), families p5, p4d, g6e');
    expect(lines[1]!.trim().split(/\s+/)).toEqual(['node', 'image', 'copy', 'verify', 'load', 'engine', 'total']);
    expect(lines[2]!.trim().split(/\s+/).slice(0, 8)).toEqual(['first', '240', '400', '90', '140', '90', '205', '1165']);
    expect(lines[3]).toContain('875 s (14m 35s) on p4d');
    // prod keeps one warm 8-GPU p5 node: a replica there skips the node and the image.
    expect(lines[4]!.trim().split(/\s+/).slice(0, 8)).toEqual(['warm', '-', '-', '-', '-', '90', '145', '235']);
    expect(lines[5]).toBe('  a scale-up by weight source: efs 14m 35s (chosen), nvme 15m 4s, s3 14m 1s');
    expect(lines[6]).toBe('  budgets (2x the first replica): startupProbe 590 s, progress deadline 2340 s');

    const staging = await runScript('time-to-ready', ['--env', 'staging', '--json'], repo.root);
    const models = JSON.parse(staging.stdout).models as Array<{ model: string; estimates: Record<string, unknown> }>;
    expect(models.map((m) => m.model)).toEqual(['llama-3-1-405b-instruct', 'llama-3-1-8b-instruct', 'llama-3-3-70b-instruct']);
    for (const m of models) expect(Object.keys(m.estimates)).toEqual(['first', 'scale-up']);

    const sources = await runScript('time-to-ready', ['--env', 'dev', '--sources'], repo.root);
    expect(sources.stdout).toMatch(/ {2}nodeReady\.default: 180 s \(derived\) .*karpenter-provider-aws\/issues\/6128/);
    expect(sources.stdout).toContain('efsClientGBps: 1.57 GB/s (measured)');
  });

  test('an unknown model or environment is a usage error that lists what there is', async ({ onTestFinished }) => {
    const repo = await makeFixtureRepo();
    onTestFinished(() => repo.dispose());
    const model = await runScript('time-to-ready', ['--model', 'llama-9'], repo.root);
    expect(model.code).toBe(2);
    expect(model.stderr).toContain(
      'unknown model "llama-9"; expected one of: llama-3-1-405b-instruct, llama-3-1-8b-instruct, llama-3-3-70b-instruct',
    );
    const env = await runScript('time-to-ready', ['--env', 'qa'], repo.root);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('unknown environment "qa"; expected one of: dev, prod, staging');
  });
});
