/** GitHub refuses issue, PR and comment bodies longer than this many characters. */
export const GITHUB_BODY_LIMIT = 65_536;

/** What we allow ourselves, leaving room for GitHub's own counting of line endings. */
export const GITHUB_BODY_BUDGET = 60_000;

/** A value in a table cell as inline code, or an em dash when there is none. */
export function codeCell(value: string | undefined): string {
  return value === undefined ? '—' : `\`${value.replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
}

/** A Markdown table: a header row, the separator, one line per row. */
export function table(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
}

/**
 * A Markdown table of at most `maxRows` rows under a heading, or a line saying nothing changed.
 * A cut table says how many rows it left out.
 */
export function markdownTable(
  heading: string,
  columns: readonly string[],
  rows: readonly string[][],
  noun: string,
  maxRows: number,
): string {
  if (rows.length === 0) return `${heading}\n\nNo ${noun} changed.`;
  const shown = rows.slice(0, maxRows);
  const lines = [heading, '', table(columns, shown)];
  if (shown.length < rows.length)
    lines.push('', `... and ${rows.length - shown.length} more rows, left out to keep this under GitHub's 65,536-character limit.`);
  return lines.join('\n');
}

/**
 * Renders with fewer and fewer table rows (all, 1000, 500, ... 0) until the text fits the
 * budget: tables shrink by whole rows and never end mid-row.
 */
export function fitToBudget(render: (maxRows: number) => string, budget = GITHUB_BODY_BUDGET): string {
  for (let maxRows = Number.POSITIVE_INFINITY; ; maxRows = maxRows === Number.POSITIVE_INFINITY ? 1000 : Math.floor(maxRows / 2)) {
    const text = render(maxRows);
    if (text.length <= budget || maxRows === 0) return text;
  }
}
