/**
 * Kubernetes resource quantities, as far as our inputs need them: parse what people write in
 * the catalogue ("6", "500m", "40Gi", "1.5Ti") so that sizes can be checked and added up
 * (a memory limit that must cover /dev/shm), and print sums back in the canonical form.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const BYTES = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const CPU = /^(?:([0-9]+(?:\.[0-9]{1,3})?)|([0-9]+)m)$/;

/** What a byte quantity must look like, for error messages. */
export const BYTES_EXPECTED = 'a byte quantity such as "512Mi", "40Gi" or "1Ti"';
/** What a CPU quantity must look like, for error messages. */
export const CPU_EXPECTED = 'a CPU quantity such as "4", "0.5" or "500m"';

/** Bytes in a quantity such as "40Gi", or undefined when it is not one. */
export function parseBytes(text: string): number | undefined {
  const match = BYTES.exec(text);
  if (!match) return undefined;
  const unit = match[2];
  const factor = unit === undefined ? 1 : (BINARY[unit] ?? DECIMAL[unit] ?? 1);
  return Number(match[1]) * factor;
}

/** Millicores in a CPU quantity such as "6" or "500m", or undefined when it is not one. */
export function parseMillicores(text: string): number | undefined {
  const match = CPU.exec(text);
  if (!match) return undefined;
  return match[1] !== undefined ? Math.round(Number(match[1]) * 1000) : Number(match[2]);
}

/** The largest binary unit that prints `bytes` as a whole number ("48Gi", "1536Mi"). */
export function formatBytes(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`cannot print ${bytes} bytes as a quantity`);
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const factor = BINARY[unit] as number;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}
