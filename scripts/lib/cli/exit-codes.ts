/** Exit codes shared by every command (see README, "Commands"). */
export const EXIT = {
  /** Everything passed. */
  ok: 0,
  /** A gate failed: drift, schema or policy findings (or an unexpected internal error). */
  gateFailed: 1,
  /** Bad input or usage: nothing was written. */
  badInput: 2,
} as const;
