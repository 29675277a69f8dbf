/**
 * READMEs hold hand-written prose around facts that come from the code (the sync order, the number
 * of rules): those facts sit between markers and `npm run docs` rewrites them, so a README cannot
 * drift from what renders.
 *
 *   <!-- BEGIN generated:sync-order (npm run docs) -->
 *   ...
 *   <!-- END generated:sync-order -->
 */
const BLOCK = /<!-- BEGIN generated:([a-z-]+) \(npm run docs\) -->\n[\s\S]*?<!-- END generated:\1 -->/g;

export class GeneratedBlockError extends Error {}

/** `text` with every generated block rewritten by its generator; an unknown block is an error. */
export function refreshBlocks(text: string, file: string, generators: Readonly<Record<string, () => string>>): string {
  return text.replace(BLOCK, (_whole, name: string) => {
    const generate = generators[name];
    if (!generate)
      throw new GeneratedBlockError(`${file}: unknown generated block "${name}"; known: ${Object.keys(generators).join(', ')}`);
    return `<!-- BEGIN generated:${name} (npm run docs) -->\n${generate().replace(/\n*$/, '\n')}<!-- END generated:${name} -->`;
  });
}

/** The names of the generated blocks in `text`. */
export function blockNames(text: string): string[] {
  return [...text.matchAll(BLOCK)].map((m) => m[1]!);
}
