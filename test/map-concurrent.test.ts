import { describe, expect, test } from 'vitest';
import { mapConcurrent } from '../scripts/lib/process/map-concurrent.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapConcurrent', () => {
  test('keeps the items order whatever order the calls finish in, with at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapConcurrent(
      [30, 5, 20, 1, 10],
      async (ms, i) => {
        most = Math.max(most, ++inFlight);
        await tick(ms);
        inFlight--;
        return `${i}:${ms}`;
      },
      2,
    );
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10']);
    expect(most).toBe(2);
  });

  test('a rejection starts no new call and waits for the calls in flight (their cleanup) before it rejects', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const map = mapConcurrent(
      [0, 1, 2, 3],
      async (i) => {
        started.push(i);
        if (i === 0) {
          await tick(5);
          throw new Error('first failed');
        }
        await tick(40);
        finished.push(i);
      },
      2,
    );
    await expect(map).rejects.toThrow('first failed');
    // Call 1 was in flight when call 0 failed: it finished before the map rejected.
    expect(finished).toEqual([1]);
    expect(started).toEqual([0, 1]);
  });
});
