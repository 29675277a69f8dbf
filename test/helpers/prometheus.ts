import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { freePort } from './endpoint-picker.js';

/*
 * A real Prometheus on loopback over a backfilled history: promtool turns OpenMetrics text into
 * TSDB blocks (`promtool tsdb create-blocks-from openmetrics`), Prometheus serves them on its
 * HTTP API. No scrape runs; the blocks are all it knows.
 */

export interface RunningPrometheus {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly log: string;
  stop(): Promise<void>;
}

/** Writes `openMetrics` (ending in "# EOF") as blocks into `dataDir`, by promtool. */
export async function backfill(promtool: string, openMetrics: string, dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const input = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.om`);
  await writeFile(input, openMetrics);
  // 24 h blocks: a soak window of days is a handful of blocks, not one per 2 h.
  const result = await $({
    quiet: true,
    nothrow: true,
  })`${promtool} tsdb create-blocks-from openmetrics --max-block-duration=24h ${input} ${dataDir}`;
  if (result.exitCode !== 0) throw new Error(`promtool backfill failed (exit ${result.exitCode}):\n${result.stderr}${result.stdout}`);
}

/** Starts Prometheus over `dataDir` (scraping nothing) and waits until it is ready. */
export async function startPrometheus(prometheus: string, dataDir: string): Promise<RunningPrometheus> {
  const port = await freePort();
  const config = path.join(path.dirname(dataDir), 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  const log = path.join(path.dirname(dataDir), 'prometheus.log');
  const out = createWriteStream(log);
  const child = spawn(
    prometheus,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      // The backfilled window is in the past; a retention measured from today must not delete it.
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited ${child.exitCode}:\n${await readFile(log, 'utf8')}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, log, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 60 s:\n${await readFile(log, 'utf8')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One OpenMetrics sample line: `name{labels} value timestamp-in-seconds`. */
export function sample(name: string, labels: Record<string, string>, value: number, seconds: number): string {
  const pairs = Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(',');
  return `${name}{${pairs}} ${value} ${seconds}`;
}
