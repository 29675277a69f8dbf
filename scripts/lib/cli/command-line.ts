import path from 'node:path';
import { TOOL_ROOT } from './tool-root.js';

/** The launcher every npm script runs: the commands from their bundle (see scripts/launch.mjs). */
export const LAUNCHER = path.join(TOOL_ROOT, 'scripts', 'launch.mjs');

/** How to run one of our commands (scripts/<name>.ts) in a process of its own, as npm run does. */
export function commandLine(name: string): string[] {
  return [process.execPath, LAUNCHER, name];
}
