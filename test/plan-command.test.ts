import { describe, expect, test } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeFixtureRepo, REPO_ROOT, runScript, type FixtureRepo } from './helpers/fixture-repo.js';
import { THROUGHPUT_FILE } from '../scripts/lib/plan/throughput.js';
import { PRICES_FILE } from '../scripts/lib/report/pricing.js';

/* npm run plan over the fixture fleet's prod and the repository's sample day (by model). */

const TRACE = path.join(REPO_ROOT, 'traces/sample-day-by-model.csv');

/** A fork's checkout: the fleet and the two reviewed tables the planner reads. */
async function planRepo(onTestFinished: (fn: () => Promise<void>) => void): Promise<FixtureRepo> {
  const repo = await makeFixtureRepo();
  onTestFinished(() => repo.dispose());
  for (const file of [THROUGHPUT_FILE, PRICES_FILE]) await repo.write(file, await readFile(path.join(REPO_ROOT, file), 'utf8'));
  return repo;
}

describe('npm run plan', () => {
  test('prints per model SLO attainment, GPU-hours and cost beside static min and max, from the fleet\u2019s own settings', async ({
    onTestFinished,
  }) => {
    const repo = await planRepo(onTestFinished);
    const svg = path.join(repo.root, 'plan.svg');
    const result = await runScript('plan', ['--env', 'prod', '--trace', TRACE, '--svg', svg], repo.root);
    expect(result.code, result.stderr).toBe(0);
    const [report, wrote] = result.stdout.trim().split('\n\nwrote ');
    expect(wrote).toBe(svg);
    const blocks = report!.split('\n\n');
    expect(blocks.map((b) => b.split(' ')[1])).toEqual(['llama-3-1-405b-instruct', 'llama-3-1-8b-instruct', 'llama-3-3-70b-instruct']);
    const row = (block: string, label: string) =>
      block
        .split('\n')
        .find((l) => l.trimStart().startsWith(label))!
        .trim()
        .split(/\s{2,}/);
    // 405B: 2 groups of 16 GPUs serve its 5% of the day: 2 x 16 x 24 = 768 GPU-hours at $55.04 / 8 per GPU-hour.
    expect(blocks[0]).toContain('on p5.48xlarge');
    expect(row(blocks[0]!, 'static at min (2)')).toEqual(['static at min (2)', '100.0%', '768.0', '$5284', '2', '2.00', '0']);
    // 70B at max: 4 x 8 x 24 = 768 GPU-hours on p4d.24xlarge ($21.95764 / 8 per GPU-hour).
    expect(row(blocks[2]!, 'static at max (4)')).toEqual(['static at max (4)', '100.0%', '768.0', '$2108', '4', '4.00', '0']);
    // The 8B cannot keep up with its morning ramp at 2 replicas; autoscaling costs less than max.
    const [autoscaled, atMin, atMax] = ['autoscaled', 'static at min', 'static at max'].map((label) => row(blocks[1]!, label));
    expect(parseFloat(atMin![1]!)).toBeLessThan(parseFloat(autoscaled![1]!));
    expect(parseFloat(autoscaled![2]!)).toBeLessThan(parseFloat(atMax![2]!));
    expect(blocks[1]).toContain('a new replica serves after 10m 55s');
    // prod's warm p5 node fits the 70B (not the 8B, which runs on g6e there).
    expect(blocks[2]!.split('\n')[0]).toContain(
      "1 warm p5 node (1 replica each) start replicas in 3m 55s, their placeholders' cost not counted",
    );
    expect(blocks[1]).not.toContain('warm');
    const picture = await readFile(svg, 'utf8');
    expect(picture.match(/<g class="panel"/g)).toHaveLength(3);
    // Deterministic: the same run draws the same picture.
    await runScript('plan', ['--env', 'prod', '--trace', TRACE, '--svg', svg], repo.root);
    expect(await readFile(svg, 'utf8')).toBe(picture);
  });

  test('a bad trace is a located error, exit 2, and nothing is drawn', async ({ onTestFinished }) => {
    const repo = await planRepo(onTestFinished);
    const bad = path.join(repo.root, 'bad.csv');
    await writeFile(bad, 'time,requests_per_second,prompt_tokens,output_tokens\n00:00,1,100,10\n00:05,lots,100,10\n');
    const result = await runScript('plan', ['--env', 'dev', '--trace', bad, '--svg', path.join(repo.root, 'x.svg')], repo.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}:3: requests_per_second: expected`);
    expect(result.stderr).toContain('found "lots"');
    await expect(readFile(path.join(repo.root, 'x.svg'))).rejects.toThrow();
    const usage = await runScript('plan', ['--env', 'dev'], repo.root);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('expected --trace FILE');
  });
});
