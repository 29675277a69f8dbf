import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatProblem } from '../scripts/lib/config/problem.js';
import { plotSvg } from '../scripts/lib/plan/plot.js';
import { baselines, renderedBehavior, simulate, type SimulationInput } from '../scripts/lib/plan/simulate.js';
import { loadThroughputTable, parseThroughputTable, throughputFor } from '../scripts/lib/plan/throughput.js';
import { loadFor, parseTrace, type Trace } from '../scripts/lib/plan/trace.js';
import { REPO_ROOT } from './helpers/fixture-repo.js';

/*
 * The planner's engine. Every simulation below is small enough to follow by hand: a request of
 * 500 prompt and 50 output tokens on a replica that prefills 1,000 and generates 100 tokens a
 * second costs 0.5 + 0.5 = 1 replica-second, so one ready replica serves 1 request/s (15 a step).
 */

const HEADER = 'time,requests_per_second,prompt_tokens,output_tokens';
const THROUGHPUT = { prefillTokensPerSecond: 1000, outputTokensPerSecond: 100, maxConcurrentRequests: 64 };

function traceOf(text: string, file = 'traces/test.csv'): Trace {
  const parsed = parseTrace(text, file);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  return parsed.trace;
}

/** A trace of `[seconds, requests/s]` rows for every model, each request 500 + 50 tokens. */
function loadOf(rows: ReadonlyArray<readonly [number, number]>) {
  return loadFor(traceOf([HEADER, ...rows.map(([t, rate]) => `${t},${rate},500,50`)].join('\n')), 'm');
}

function input(load: SimulationInput['load'], over: Partial<SimulationInput> = {}): SimulationInput {
  return {
    load,
    stepSeconds: 15,
    replicas: { min: 1, max: 3 },
    queuePerReplica: 4,
    behavior: renderedBehavior(600),
    readySeconds: 300,
    throughput: THROUGHPUT,
    queueDelayTargetSeconds: 60,
    gpusPerReplica: 8,
    usdPerGpuHour: 2,
    ...over,
  };
}

function at(result: ReturnType<typeof simulate>, time: number) {
  const step = result.steps.find((s) => s.time === time);
  if (!step) throw new Error(`no step at ${time}`);
  return step;
}

describe('the simulation', () => {
  it('serves a constant load one replica can carry at min replicas, every request within the target', () => {
    // 0.5 requests/s for an hour (rows every 5 minutes; the last holds for the median 300 s).
    const load = loadOf(Array.from({ length: 12 }, (_, i) => [i * 300, 0.5] as const));
    const result = simulate(input(load));
    expect(result.sloAttainment).toBe(1);
    expect(result.requests).toBe(1800);
    expect(result.gpuHours).toBe(8); // 1 replica x 8 GPUs x 1 h
    expect(result.costUsd).toBe(16);
    expect([result.peakReplicas, result.meanReplicas, result.maxQueue]).toEqual([1, 1, 0]);
    expect(result.steps).toHaveLength(240);
    expect(result.steps.every((s) => s.held === 1 && s.ready === 1 && s.backlog === 0)).toBe(true);
  });

  it('on a step up, adds 2 replicas per 60 s, and the queue grows until they are ready 300 s later', () => {
    // 1 request/s (exactly one replica's worth) until 600 s, then 2.5/s: three replicas' worth.
    const result = simulate(
      input(
        loadOf([
          [0, 1],
          [600, 2.5],
          [1200, 2.5],
          [1800, 2.5],
          [2400, 2.5],
        ]),
        { replicas: { min: 1, max: 5 } },
      ),
    );
    // 600: KEDA still reads 0 waiting; one replica serves 15 of the 37.5 arrivals.
    expect(at(result, 585)).toEqual({ time: 585, held: 1, ready: 1, backlog: 0, delaySeconds: 0 });
    expect(at(result, 600)).toEqual({ time: 600, held: 1, ready: 1, backlog: 22.5, delaySeconds: 22.5 });
    // 615: 22.5 waiting / 4 per replica asks for 6; the policy allows 1 + 2 = 3 in this minute.
    expect(at(result, 615)).toMatchObject({ held: 3, ready: 1, backlog: 45, delaySeconds: 45 });
    expect(at(result, 660)).toMatchObject({ held: 3, ready: 1 });
    // 675: the scale-up of 615 has left the 60 s period: 3 + 2 = 5 (max).
    expect(at(result, 675)).toMatchObject({ held: 5, ready: 1 });
    // Until 915 one replica serves: the backlog grows 22.5 a step, 21 steps from 600 to 900.
    expect(at(result, 900)).toMatchObject({ held: 5, ready: 1, backlog: 472.5, delaySeconds: 472.5 });
    // 915: the two of 615 serve: 45 a step against 37.5 arriving; 465 left, at 3 requests/s.
    expect(at(result, 915)).toMatchObject({ ready: 3, backlog: 465, delaySeconds: 155 });
    expect(at(result, 960)).toMatchObject({ ready: 3, backlog: 442.5 });
    // 975: the two of 675 serve too: 75 a step.
    expect(at(result, 975)).toMatchObject({ ready: 5, backlog: 405, delaySeconds: 81 });
    expect(result.peakReplicas).toBe(5);
    expect(result.maxQueue).toBe(472.5);
  });

  it('a warm node starts replicas without a node launch until its room is used; its placeholder gets a new node later', () => {
    const stepUp = loadOf([
      [0, 1],
      [600, 2.5],
      [1200, 2.5],
      [1800, 2.5],
      [2400, 2.5],
    ]);
    // One warm node with room for one replica, ready 60 s after it is taken, warm again 600 s later.
    const warm = { nodes: 1, replicasPerNode: 1, readySeconds: 60, refillSeconds: 600 };
    const one = simulate(input(stepUp, { replicas: { min: 1, max: 5 }, warm }));
    // 615 adds two: the first on the warm node (ready at 675), the second on a new node (915).
    expect([at(one, 660).ready, at(one, 675).ready]).toEqual([1, 2]);
    // 675 adds two more: the placeholder's new node is not up until 1215, so both cold (975).
    expect([at(one, 900).ready, at(one, 915).ready, at(one, 960).ready, at(one, 975).ready]).toEqual([2, 3, 3, 5]);
    // Room for two on the node: both of 615 start warm.
    const two = simulate(input(stepUp, { replicas: { min: 1, max: 5 }, warm: { ...warm, replicasPerNode: 2 } }));
    expect([at(two, 660).ready, at(two, 675).ready, at(two, 975).ready]).toEqual([1, 3, 5]);
    const cold = simulate(input(stepUp, { replicas: { min: 1, max: 5 } }));
    expect(one.sloAttainment).toBeGreaterThan(cold.sloAttainment);
    expect(two.sloAttainment).toBeGreaterThan(one.sloAttainment);
  });

  it('holds replicas for the scale-down window, then removes 1 per 300 s', () => {
    // Nothing arrives; 4 replicas at the start. The HPA seeds its window with the current 4.
    const load = loadOf([
      [0, 0],
      [900, 0],
    ]);
    const result = simulate(input(load, { replicas: { min: 1, max: 5 }, initialReplicas: 4 }));
    const held = (t: number) => at(result, t).held;
    expect([held(0), held(585)]).toEqual([4, 4]);
    expect([held(600), held(885)]).toEqual([3, 3]);
    expect([held(900), held(1185)]).toEqual([2, 2]);
    expect([held(1200), held(1785)]).toEqual([1, 1]);
    // 4 x 600 + 3 x 300 + 2 x 300 + 1 x 600 = 4,500 replica-seconds, x 8 GPUs = 10 GPU-hours.
    expect(result.gpuHours).toBe(10);
    // A shorter window releases sooner: the same policy, from 300 s.
    const short = simulate(input(load, { replicas: { min: 1, max: 5 }, initialReplicas: 4, behavior: renderedBehavior(300) }));
    expect([at(short, 285).held, at(short, 300).held]).toEqual([4, 3]);
  });

  it('scales from zero on the first poll that sees a request, which then waits for the replica to be ready', () => {
    // 0.5 requests/s for 20 minutes; min 0, max 1.
    const result = simulate(
      input(
        loadOf([
          [0, 0.5],
          [600, 0.5],
        ]),
        { replicas: { min: 0, max: 1 } },
      ),
    );
    expect(at(result, 0)).toEqual({ time: 0, held: 0, ready: 0, backlog: 7.5, delaySeconds: Infinity });
    // 15: KEDA sees 7.5 waiting and activates one replica; it holds its GPUs from now and serves from 315.
    expect(at(result, 15)).toMatchObject({ held: 1, ready: 0, delaySeconds: Infinity });
    expect(at(result, 300)).toMatchObject({ held: 1, ready: 0, backlog: 157.5 });
    expect(at(result, 315)).toMatchObject({ ready: 1, backlog: 150, delaySeconds: 150 });
    // It drains 7.5 a step: 60 s of delay or less from 495 (157.5 - 13 x 7.5 = 60) to the end.
    expect(at(result, 480).delaySeconds).toBe(67.5);
    expect(at(result, 495).delaySeconds).toBe(60);
    expect(result.sloAttainment).toBe(47 / 80);
    // Held from 15 to 1200, serving, so never deactivated: 1,185 s x 8 GPUs.
    expect(result.gpuHours).toBeCloseTo((1185 * 8) / 3600, 10);
  });

  it('scales to zero once nothing waits or is served for the cooldown period', () => {
    // A burst in the first step, then nothing: the replica serves it, then is idle.
    const result = simulate(
      input(
        loadOf([
          [0, 1],
          [15, 0],
          [30, 0],
          [1800, 0],
        ]),
        { replicas: { min: 0, max: 1 }, initialReplicas: 1, readySeconds: 0 },
      ),
    );
    // Step 0 serves its 15 arrivals; the last activity is the serving seen at 15; 300 s later it goes.
    expect(at(result, 300).held).toBe(1);
    expect(at(result, 315).held).toBe(0);
  });

  it('static baselines use the same engine: at min 0 nothing is served, at max every replica is always ready', () => {
    const scenario = input(
      loadOf([
        [0, 0.5],
        [600, 0.5],
      ]),
      { replicas: { min: 0, max: 1 } },
    );
    const { atMin, atMax } = baselines(scenario);
    expect([atMin.sloAttainment, atMin.gpuHours, atMin.requests]).toEqual([0, 0, 600]);
    expect(atMin.steps.every((s) => s.delaySeconds === Infinity)).toBe(true);
    expect(atMax.sloAttainment).toBe(1);
    expect(atMax.gpuHours).toBeCloseTo((1200 * 8) / 3600, 10);
    expect(atMax.steps.every((s) => s.held === 1 && s.ready === 1)).toBe(true);
  });

  it('keeps the replica count when the metric is within the HPA tolerance of the target', () => {
    // 10 s steps, 2 replicas (20 requests a step). 28.75 arrive in the first: 8.75 wait, 1.09 x the
    // 4 x 2 target: within 0.1, so 2 stay. Without the tolerance, ceil(8.75 / 4) = 3.
    const near = loadOf([
      [0, 2.875],
      [10, 0],
      [20, 0],
    ]);
    const options = { stepSeconds: 10, replicas: { min: 1, max: 5 }, initialReplicas: 2 };
    expect(at(simulate(input(near, options)), 0).backlog).toBe(8.75);
    expect(at(simulate(input(near, options)), 10).held).toBe(2);
    expect(at(simulate(input(near, { ...options, tolerance: 0 })), 10).held).toBe(3);
    // 10 waiting is 1.25 x the target: outside the tolerance, 3.
    expect(
      at(
        simulate(
          input(
            loadOf([
              [0, 3],
              [10, 0],
              [20, 0],
            ]),
            options,
          ),
        ),
        10,
      ).held,
    ).toBe(3);
  });
});

describe('the trace', () => {
  const file = 'traces/x.csv';
  const problems = (text: string) => {
    const parsed = parseTrace(text, file);
    return parsed.ok ? [] : parsed.problems.map(formatProblem);
  };

  it('names the file, line and column of a bad value, with what was expected and found', () => {
    expect(problems(`${HEADER}\n00:00,1,100,10\n00:05,abc,100,10\n`)).toEqual([
      'traces/x.csv:3: requests_per_second: expected a number >= 0, found "abc"',
    ]);
    expect(problems(`${HEADER}\n00:00,-1,100,10\n00:05,1,100,0\n`)).toEqual([
      'traces/x.csv:2: requests_per_second: expected a number >= 0, found "-1"',
      'traces/x.csv:3: output_tokens: expected a number > 0 (mean output tokens per request), found "0"',
    ]);
    expect(problems(`${HEADER}\n25:00,1,100,10\n9am,1,100,10\n`)).toEqual([
      'traces/x.csv:2: time: expected a time of day from 00:00 to 23:59:59, found "25:00"',
      'traces/x.csv:3: time: expected HH:MM or HH:MM:SS within one day, or whole seconds from the start, found "9am"',
    ]);
  });

  it('refuses times that do not increase, quotes, short rows and unknown columns', () => {
    expect(problems(`${HEADER}\n00:10,1,100,10\n00:05,1,100,10\n`)).toEqual([
      'traces/x.csv:3: time: expected a time after "00:10" (line 2): times increase strictly within the rows for every model, found "00:05"',
    ]);
    expect(problems(`${HEADER}\n0,"1",100,10\n300,1,100\n`)).toEqual([
      'traces/x.csv:2: expected plain comma-separated values, found a quote (quoted fields are not supported): 0,"1",100,10',
      'traces/x.csv:3: expected 4 fields (time, requests_per_second, prompt_tokens, output_tokens), found 3',
    ]);
    expect(problems('time,request_per_second,prompt_tokens,output_tokens\n0,1,1,1\n')).toEqual([
      'traces/x.csv:1: unknown column "request_per_second" (did you mean "requests_per_second"?); expected time,requests_per_second,prompt_tokens,output_tokens and optionally model',
    ]);
    expect(problems(`${HEADER}\n0,1,100,10\n`)).toEqual([
      'traces/x.csv:2: time: expected at least two different times (the last row holds for the median interval), found only "0"',
    ]);
  });

  it('applies rows without a model to every model and rows with one to that model only, each in time order', () => {
    const text = `${HEADER},model\n0,1,100,10,\n300,5,200,20,big\n600,2,100,10,\n900,2,100,10,\n`;
    const trace = traceOf(text);
    expect(trace.models).toEqual(['big']);
    expect(trace.stepSeconds).toBe(300);
    expect(loadFor(trace, 'small').map((s) => [s.start, s.end, s.requestsPerSecond])).toEqual([
      [0, 600, 1],
      [600, 900, 2],
      [900, 1200, 2],
    ]);
    expect(loadFor(trace, 'big').map((s) => [s.start, s.end, s.requestsPerSecond])).toEqual([
      [0, 300, 1],
      [300, 600, 5],
      [600, 900, 2],
      [900, 1200, 2],
    ]);
    expect(problems(`${HEADER},model\n0,1,100,10,\n600,5,200,20,big\n600,2,100,10,\n`)).toEqual([
      'traces/x.csv:4: time: expected a time after "600" (line 3): times increase strictly within the rows for big (its own and those for every model), found "600"',
    ]);
    expect(problems(`${HEADER},model\n0,1,100,10,Big_Model\n300,1,100,10,\n`)).toEqual([
      'traces/x.csv:2: model: expected a catalogue model name such as "llama-3-1-8b-instruct", or nothing for every model, found "Big_Model"',
    ]);
  });

  /*
   * traces/sample-day.csv was generated by this formula, every 5 minutes from 00:00 to 23:55, each
   * number written with toFixed(2): h = hours since midnight,
   *   requests/s = 0.5 + 12.5 exp(-((h - 10) / 2)^2) + 12 exp(-((h - 15) / 2)^2), and 25 from 09:00 to 09:10;
   *   prompt tokens = 1500 + 150 sin(2 pi (h - 9) / 24); output tokens = 300 + 30 cos(2 pi (h - 14) / 24).
   * The test recomputes it (to 0.01) so that the file and its description cannot drift apart.
   */
  it('the sample day parses: 288 five-minute rows, a night trough, peaks at 10:00 and 15:00 and a spike at 09:00', async () => {
    const trace = traceOf(await readFile(path.join(REPO_ROOT, 'traces/sample-day.csv'), 'utf8'), 'traces/sample-day.csv');
    expect(trace.rows).toHaveLength(288);
    expect(trace.stepSeconds).toBe(300);
    expect(trace.models).toEqual([]);
    const rate = (hhmm: string) => {
      const [h, m] = hhmm.split(':').map(Number);
      return trace.rows.find((r) => r.time === h! * 3600 + m! * 60)!.requestsPerSecond;
    };
    expect(Math.min(...trace.rows.map((r) => r.requestsPerSecond))).toBe(0.5);
    expect(trace.rows.filter((r) => r.time < 5 * 3600).every((r) => r.requestsPerSecond < 1)).toBe(true);
    expect(trace.rows.filter((r) => r.requestsPerSecond > 20).map((r) => r.time)).toEqual([9 * 3600, 9 * 3600 + 300]);
    expect(rate('10:00')).toBeGreaterThanOrEqual(12);
    expect(rate('10:00')).toBeLessThanOrEqual(15);
    expect(rate('15:00')).toBeGreaterThanOrEqual(12);
    expect(rate('15:00')).toBeLessThanOrEqual(15);
    expect(rate('12:30')).toBeLessThan(rate('10:00') / 2);
    for (const row of trace.rows) {
      const h = row.time / 3600;
      const spike = row.time >= 9 * 3600 && row.time < 9 * 3600 + 600;
      const expected = spike ? 25 : 0.5 + 12.5 * Math.exp(-(((h - 10) / 2) ** 2)) + 12 * Math.exp(-(((h - 15) / 2) ** 2));
      expect(Math.abs(row.requestsPerSecond - expected)).toBeLessThanOrEqual(0.006);
      expect(Math.abs(row.promptTokens - (1500 + 150 * Math.sin((2 * Math.PI * (h - 9)) / 24)))).toBeLessThanOrEqual(0.006);
      expect(Math.abs(row.outputTokens - (300 + 30 * Math.cos((2 * Math.PI * (h - 14)) / 24)))).toBeLessThanOrEqual(0.006);
    }
  });
});

describe('the throughput table', () => {
  it('the shipped table holds every figure the catalogue models need, each with its source, date and conditions', async () => {
    const table = await loadThroughputTable(REPO_ROOT);
    expect(Object.keys(table.models['llama-3-1-8b-instruct']!).sort()).toEqual(['g5', 'g6', 'g6e', 'p5']);
    expect(Object.keys(table.models['llama-3-3-70b-instruct']!).sort()).toEqual(['g6e', 'p4d', 'p5']);
    expect(Object.keys(table.models['llama-3-1-405b-instruct']!)).toEqual(['p5']);
    for (const rows of Object.values(table.models))
      for (const row of Object.values(rows)) {
        expect(row.source).toMatch(/^https:\/\//);
        expect(row.conditions.length).toBeGreaterThan(100);
      }
    expect(throughputFor(table, 'llama-3-1-8b-instruct', ['g6e', 'g6'])?.family).toBe('g6e');
    expect(throughputFor(table, 'llama-3-1-8b-instruct', ['p4d'])).toBeUndefined();
  });

  it('names the file, line and field of a bad figure', () => {
    const text = [
      'models:',
      '  m:',
      '    g6e:',
      '      prefillTokensPerSecond: 1000',
      '      outputTokensPerSecond: -5',
      '      maxConcurentRequests: 8',
      '      source: https://example.com/bench',
      '      capturedOn: "2026-12-02"',
      '      conditions: measured with vLLM at saturation on one L40S',
      '',
    ].join('\n');
    const parsed = parseThroughputTable(text, 'scripts/lib/plan/serving-throughput.yaml');
    expect(parsed.ok).toBe(false);
    const messages = parsed.ok ? [] : parsed.problems.map(formatProblem);
    expect(messages).toContain(
      'scripts/lib/plan/serving-throughput.yaml:5: models.m.g6e.outputTokensPerSecond: expected output tokens per second per replica at saturation, > 0, found number -5',
    );
    expect(
      messages.some((m) => m.startsWith('scripts/lib/plan/serving-throughput.yaml:6: models.m.g6e.maxConcurentRequests: unknown key')),
    ).toBe(true);
    expect(messages.some((m) => m.includes('did you mean "maxConcurrentRequests"'))).toBe(true);
  });
});

describe('the plot', () => {
  it('draws one panel per model, with hour ticks and a legend, the same bytes for the same input', async () => {
    const trace = traceOf(await readFile(path.join(REPO_ROOT, 'traces/sample-day.csv'), 'utf8'));
    const panels = ['small', 'big & <bold>'].map((model, i) => ({
      model,
      subtitle: `case ${i}`,
      steps: simulate(input(loadFor(trace, model), { replicas: { min: i, max: 12 }, readySeconds: 300 + 300 * i })).steps,
    }));
    const svg = plotSvg(panels);
    expect(plotSvg(panels)).toBe(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<g class="panel"/g)).toHaveLength(2);
    expect(svg).toContain('big &amp; &lt;bold&gt;');
    for (const label of ['00:00', '09:00', '12:00', '24:00', 'replicas held (GPUs paid)', 'replicas ready (serving)', 'queue (right axis)'])
      expect(svg).toContain(label);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });
});
