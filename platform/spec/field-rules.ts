import { z } from 'zod';
import { BYTES_EXPECTED, CPU_EXPECTED, parseBytes, parseMillicores } from './quantity.js';
import { GPU_INSTANCE_FAMILY_NAMES } from './gpu-instance-families.js';

/** Longest model name: the charts prefix it with "llm-" and the result must fit a 63-character label. */
export const MODEL_NAME_MAX = 59;

export const gpuInstanceFamily = z.enum(GPU_INSTANCE_FAMILY_NAMES as [string, ...string[]], {
  error: `expected a known GPU instance family (${GPU_INSTANCE_FAMILY_NAMES.join(', ')})`,
});

/*
 * Field rules shared by the input schemas. Every message starts with "expected ..."; the
 * problem formatter appends what was found.
 */

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A name that becomes part of Kubernetes object names. DNS-1035 (starts with a letter) because
 * it also names a Service; `maxLength` leaves room for the prefixes the charts add.
 */
export const objectName = (maxLength: number, why: string) =>
  z
    .string({ error: `expected a string: ${why}` })
    .max(maxLength, { error: `expected at most ${maxLength} characters (${why})` })
    .regex(DNS_1035_LABEL, {
      error: `expected a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (${why})`,
    });

export const dnsName = z.string().regex(DNS_1123_SUBDOMAIN, { error: 'expected a lowercase DNS name such as "api.dev.llm.example.com"' });

/** Names that move: a version must name one upload of the weights, never the latest of them. */
const MOVING_VERSION = /^(?!(?:latest|stable|current|main|master|head|edge|nightly|newest|default)$)/i;

/**
 * A model version: an S3 sub-prefix, a directory in the model cache and the
 * `app.kubernetes.io/version` label, so it must satisfy all three; and
 * it must name one upload of the weights.
 */
export const modelVersion = z
  .string({ error: 'expected a version string such as "v2026.11.1" (quote it if YAML would read a number)' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
    error:
      'expected a version of at most 63 letters, digits, ".", "_" and "-", starting with a letter or digit, such as "v2026.11.1" (it names an S3 prefix, a cache directory and a label value)',
  })
  .regex(/[A-Za-z0-9]$/, {
    error: 'expected a version ending with a letter or digit, such as "v2026.11.1" (it is used as a label value)',
  })
  .regex(MOVING_VERSION, {
    error:
      'expected a version that names one upload of the weights, such as "v2026.11.1" (not a moving name such as "latest": clusters would serve different weights under one version)',
  });

export const cpuQuantity = z
  .string({ error: `expected ${CPU_EXPECTED} as a string` })
  .refine((v) => (parseMillicores(v) ?? 0) > 0, { error: `expected ${CPU_EXPECTED}` });

export const byteQuantity = z
  .string({ error: `expected ${BYTES_EXPECTED} as a string` })
  .refine((v) => (parseBytes(v) ?? 0) > 0, { error: `expected ${BYTES_EXPECTED}` });

export const positiveInt = (what: string, max: number) =>
  z
    .number({ error: `expected ${what}: an integer from 1 to ${max}` })
    .int({ error: `expected ${what}: an integer from 1 to ${max}` })
    .min(1, { error: `expected ${what}: an integer from 1 to ${max}` })
    .max(max, { error: `expected ${what}: an integer from 1 to ${max}` });

/** A list without repeated entries (a repeated instance family is a copy-paste slip). */
export const uniqueList = <T extends z.ZodType<string>>(item: T, what: string) =>
  z
    .array(item, { error: `expected a list of ${what}` })
    .min(1, { error: `expected at least one ${what.replace(/s$/, '')}` })
    .superRefine((list, ctx) => {
      list.forEach((entry, index) => {
        if (list.indexOf(entry) !== index) {
          ctx.addIssue({ code: 'custom', path: [index], message: `"${entry}" is listed twice`, input: entry });
        }
      });
    });

/**
 * For a cross-field refinement's `when`: the value is a mapping and none of `fields` has an
 * issue yet (a missing required field has one), so the refinement can read them even though
 * other fields failed.
 */
export function fieldsValid(payload: z.core.ParsePayload, fields: readonly string[]): boolean {
  const value = payload.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return !payload.issues.some((issue) => !issue.path?.length || fields.includes(String(issue.path[0])));
}
