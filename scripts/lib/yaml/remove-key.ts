/**
 * Removes one top-level key of a YAML document, with its block and the comment lines right
 * above it, leaving every other byte as it was. Returns the text unchanged when the key is absent.
 */
export function removeTopLevelKey(text: string, key: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.startsWith(`${key}:`) && /^[^:]+:\s*(#.*)?$/.test(line));
  if (at === -1) return text;
  let end = at + 1;
  // The key's block: blank and indented lines, up to the next top-level key or comment.
  while (end < lines.length && (lines[end] === '' || /^\s/.test(lines[end]!))) end++;
  let start = at;
  while (start > 0 && lines[start - 1]!.startsWith('#')) start--;
  const kept = [...lines.slice(0, start), ...lines.slice(end)].join('\n');
  return text.endsWith('\n') && !kept.endsWith('\n') ? `${kept}\n` : kept;
}
