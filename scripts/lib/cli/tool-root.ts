import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout: where the scripts, tools/ and .tools/bin/ live (not the --root a command works on). */
export const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
