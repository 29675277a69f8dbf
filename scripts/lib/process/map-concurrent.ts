import { availableParallelism } from 'node:os';

/**
 * Maps `items` through `run` with at most `limit` calls in flight (default: one per CPU) and
 * returns the results in the items' order, whatever order they finish in. The first rejection
 * rejects the whole map once the calls in flight have settled.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  run: (item: T, index: number) => Promise<R>,
  limit = availableParallelism(),
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
