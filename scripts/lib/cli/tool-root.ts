import { packageRoot } from '../../../platform/core/package-root.js';

/** This checkout: where the scripts, tools/ and .tools/bin/ live (not the --root a command works on). */
export const TOOL_ROOT = packageRoot(import.meta.url);
