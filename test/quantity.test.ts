import { describe, expect, test } from 'vitest';
import { formatBytes, parseBytes, parseMillicores } from '../platform/spec/quantity.js';

describe('Kubernetes quantities', () => {
  test.each([
    ['40Gi', 40 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1.5Ti', 1.5 * 2 ** 40],
    ['1G', 1e9],
    ['100', 100],
  ])('parses %s', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  test.each(['40GB', '40 Gi', '-1Gi', 'Gi', ''])('rejects %j as bytes', (text) => {
    expect(parseBytes(text)).toBeUndefined();
  });

  test.each([
    ['6', 6000],
    ['0.5', 500],
    ['250m', 250],
  ])('parses CPU %s', (text, millicores) => {
    expect(parseMillicores(text)).toBe(millicores);
  });

  test('prints sums in the largest whole binary unit', () => {
    expect(formatBytes(40 * 2 ** 30 + 2 * 2 ** 30)).toBe('42Gi');
    expect(formatBytes(1536 * 2 ** 20)).toBe('1536Mi');
    expect(formatBytes(2 ** 40)).toBe('1Ti');
  });
});
