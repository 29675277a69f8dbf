/**
 * Whether a Node.js version satisfies a package.json `engines` range, for the ranges engines
 * fields use: comparators (>=, >, <=, <, =, or none) on full or partial versions, several of
 * them meaning "all of", `||` between alternatives, `x` and `*` wildcards, ^ and ~. Undefined when
 * the range says something else, so a caller can say it could not tell instead of guessing.
 */
export function satisfiesRange(version: string, range: string): boolean | undefined {
  const have = parseVersion(version);
  if (!have) return undefined;
  const alternatives = range.split('||').map((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .filter((c) => c !== ''),
  );
  let any = false;
  for (const comparators of alternatives) {
    let all = true;
    for (const comparator of comparators.length === 0 ? ['*'] : comparators) {
      const result = satisfiesComparator(have, comparator);
      if (result === undefined) return undefined;
      all &&= result;
    }
    any ||= all;
  }
  return any;
}

type Version = [number, number, number];

function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function satisfiesComparator(have: Version, comparator: string): boolean | undefined {
  const match = /^(>=|<=|>|<|=|\^|~)?v?(\d+|[x*])(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?$/i.exec(comparator);
  if (!match) return undefined;
  const operator = match[1] ?? '=';
  // The parts given, up to the first wildcard: "20.19" is 20.19.x.
  const parts: number[] = [];
  for (const part of match.slice(2, 5)) {
    if (part === undefined || /^[x*]$/i.test(part)) break;
    parts.push(Number(part));
  }
  const floor: Version = [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
  // The first version above the partial one ("20.19" -> 20.20.0), for =, < and <= on partials.
  const ceiling = (level: number): Version | undefined =>
    level === 0 ? undefined : (floor.map((part, i) => (i < level - 1 ? part : i === level - 1 ? part + 1 : 0)) as Version);
  const above = ceiling(parts.length);
  const inside = compare(have, floor) >= 0 && (above === undefined || compare(have, above) < 0);
  switch (operator) {
    case '>=':
      return compare(have, floor) >= 0;
    case '>':
      // Above all of it: >20.19 is >=20.20.0, >20.19.1 is >=20.19.2.
      return above !== undefined && compare(have, above) >= 0;
    case '<':
      return compare(have, floor) < 0;
    case '<=':
      return above === undefined ? true : compare(have, above) < 0;
    case '=':
      return inside;
    case '~': {
      // ~1.2.3 and ~1.2: the same minor; ~1: the same major.
      const limit = ceiling(Math.min(parts.length, 2));
      return compare(have, floor) >= 0 && (limit === undefined || compare(have, limit) < 0);
    }
    default: {
      // ^: the same left-most non-zero part.
      const level = floor[0] !== 0 || parts.length <= 1 ? 1 : floor[1] !== 0 || parts.length === 2 ? 2 : 3;
      const limit = ceiling(Math.min(level, parts.length));
      return compare(have, floor) >= 0 && (limit === undefined || compare(have, limit) < 0);
    }
  }
}
