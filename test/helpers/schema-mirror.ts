/**
 * The offline schema mirror, as the CI machine provides it through VALIDATE_SCHEMA_LOCATIONS
 * (see .ci/run). Tests that need it skip, saying why, when it is not configured.
 */
export const MIRROR_LOCATIONS = process.env.VALIDATE_SCHEMA_LOCATIONS ?? '';

export const MIRROR_SKIP_REASON =
  'VALIDATE_SCHEMA_LOCATIONS is not set: no offline mirror of strict Kubernetes/CRD schemas (set by .ci/run when ../shared/schemas exists)';

if (MIRROR_LOCATIONS === '') process.stderr.write(`note: mirror-dependent tests skipped: ${MIRROR_SKIP_REASON}\n`);
