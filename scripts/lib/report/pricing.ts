import { z } from 'zod';
import type { ConfigProblem } from '../config/problem.js';
import { loadReviewedTable, readReviewedTable } from '../config/reviewed-table.js';
import type { ModelServerFacts } from './model-servers.js';

/** A small, dated table of on-demand prices: facts with their date, region and source. */
export const PRICES_FILE = 'scripts/lib/report/ec2-gpu-on-demand.yaml';

const priceTableSchema = z.strictObject({
  region: z.string().min(1),
  currency: z.literal('USD'),
  /** The day the prices were read from the source. */
  capturedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected the day the prices were read, such as "2026-11-01"' }),
  source: z.string().url(),
  note: z.string().optional(),
  instances: z.record(
    z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, { error: 'expected an EC2 instance type, such as "g6e.xlarge"' }),
    z.strictObject({
      gpus: z.number().int().positive({ error: 'expected the GPUs of the instance type, a whole number > 0' }),
      usdPerHour: z.number().positive({ error: 'expected the on-demand price in USD per hour, > 0' }),
    }),
  ),
});

export type PriceTable = z.infer<typeof priceTableSchema>;

const PURPOSE = 'the report prices GPU capacity from this dated table';

/** The price table of the repository at `root`, or the problems that stop the report (file, line, field). */
export async function readPriceTable(root: string): Promise<{ ok: true; prices: PriceTable } | { ok: false; problems: ConfigProblem[] }> {
  const read = await readReviewedTable(root, PRICES_FILE, priceTableSchema, PURPOSE);
  return read.ok ? { ok: true, prices: read.table } : read;
}

/** The price table, for callers that hold a reviewed one (tests, the toolkit itself); throws on problems. */
export async function loadPriceTable(root: string): Promise<PriceTable> {
  return loadReviewedTable(readReviewedTable(root, PRICES_FILE, priceTableSchema, PURPOSE));
}

/**
 * The instance each node of a replica needs: the cheapest priced type of an allowed family with
 * at least the node's share of the replica's GPUs. Undefined when none is priced.
 */
export function instanceFor(
  server: Pick<ModelServerFacts, 'gpusPerReplica' | 'families'> & { readonly nodesPerReplica?: number },
  prices: PriceTable,
): { type: string; usdPerHour: number } | undefined {
  const perNode = server.gpusPerReplica / (server.nodesPerReplica ?? 1);
  let best: { type: string; usdPerHour: number } | undefined;
  for (const [type, price] of Object.entries(prices.instances)) {
    const family = type.split('.')[0]!;
    if (server.families.length > 0 && !server.families.includes(family)) continue;
    if (price.gpus < perNode) continue;
    if (!best || price.usdPerHour < best.usdPerHour) best = { type, usdPerHour: price.usdPerHour };
  }
  return best;
}

/** GPUs and estimated on-demand cost of an environment's model servers at min and max replicas. */
export interface Capacity {
  readonly gpusAtMin: number;
  readonly gpusAtMax: number;
  readonly usdPerHourAtMin: number;
  readonly usdPerHourAtMax: number;
  /** Models no priced instance type fits: left out of the cost, named in the report. */
  readonly unpriced: readonly string[];
}

export function capacity(servers: Iterable<ModelServerFacts>, prices: PriceTable): Capacity {
  let gpusAtMin = 0;
  let gpusAtMax = 0;
  let usdPerHourAtMin = 0;
  let usdPerHourAtMax = 0;
  const unpriced: string[] = [];
  for (const server of servers) {
    if (server.gpusPerReplica === 0) continue;
    gpusAtMin += server.minReplicas * server.gpusPerReplica;
    gpusAtMax += server.maxReplicas * server.gpusPerReplica;
    const instance = instanceFor(server, prices);
    if (!instance) {
      unpriced.push(server.model);
      continue;
    }
    usdPerHourAtMin += server.minReplicas * server.nodesPerReplica * instance.usdPerHour;
    usdPerHourAtMax += server.maxReplicas * server.nodesPerReplica * instance.usdPerHour;
  }
  return { gpusAtMin, gpusAtMax, usdPerHourAtMin, usdPerHourAtMax, unpriced: unpriced.sort() };
}
