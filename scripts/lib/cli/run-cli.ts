import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT } from './exit-codes.js';

/** A mistake in how the command was called; reported with where to find the usage, exit code 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses flags strictly: unknown flags and stray arguments are usage errors, not ignored. */
export function parseFlags<T extends Options>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Runs a command's main function and exits with its code. `-h`/`--help` prints the usage text
 * (exit 0) before anything else runs. Usage errors print the message and how to get the usage
 * text (exit 2), not the whole text; anything unexpected prints the stack (exit 1), never a
 * silent pass.
 */
/** "npm run render -- --help lists the options", from the usage text's first line. */
export function helpHint(usage: string): string {
  const command = /^Usage: (npm run [\w:-]+|node \S+(?: \S+)?)/.exec(usage)?.[1];
  return command ? `(${command} -- --help lists the options)` : '(--help lists the options)';
}

export async function runCli(usage: string, main: () => Promise<number>): Promise<void> {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(usage);
    process.exitCode = EXIT.ok;
    return;
  }
  let code: number;
  try {
    code = await main();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n${helpHint(usage)}\n`);
      code = EXIT.badInput;
    } else {
      process.stderr.write(`internal error: ${(error as Error).stack ?? String(error)}\n`);
      code = EXIT.gateFailed;
    }
  }
  process.exitCode = code;
}
