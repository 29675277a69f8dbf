/** The bundle's name: a hash of the files under scripts/, apps/ and platform/, the lockfile and the launcher. */
export function fingerprint(root?: string): Promise<string>;
/** The folder of the current bundle of `root` (default: this checkout), built first when stale. */
export function ensureBundle(root?: string): Promise<string>;
