import { availableParallelism } from 'node:os';

/**
 * File reads or writes to keep in flight: awaited one at a time, each file waits a round trip per
 * system call; libuv runs four at once, and more keeps its queue full.
 */
export const FILE_OPERATIONS_IN_FLIGHT = 16;

/**
 * Maps `items` through `run` with at most `limit` calls in flight (default: one per CPU) and
 * returns the results in the items' order, whatever order they finish in. The first rejection
 * rejects the whole map once the calls in flight have settled; no call starts after it.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  run: (item: T, index: number) => Promise<R>,
  limit = availableParallelism(),
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    // After a rejection no new call starts; the ones in flight finish (their cleanup runs).
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await run(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
