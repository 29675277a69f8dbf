import { allow, arn, policy, type AwsScope, type PolicyDocument } from './document.js';

/** `s3://bucket/some/prefix` -> { bucket, prefix } (prefix without slashes at either end). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, '') };
}

/** A model server: list and read its model's prefix of the weights bucket, nothing else. */
export function modelServerPolicy(source: string): PolicyDocument {
  const { bucket, prefix } = parseS3Uri(source);
  return policy(
    allow('ListOnlyTheModelPrefix', 's3:ListBucket', arn.s3(bucket), { StringLike: { 's3:prefix': [`${prefix}/*`] } }),
    allow('ReadTheModelPrefix', 's3:GetObject', arn.s3(`${bucket}/${prefix}/*`)),
  );
}

/** External Secrets Operator: read the named secrets only (Secrets Manager appends a 6-character suffix to the name). */
export function externalSecretsPolicy(scope: AwsScope, options: { secretNames: readonly string[] }): PolicyDocument {
  return policy(
    allow(
      'ReadTheEnvironmentSecrets',
      ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      options.secretNames.map((name) => arn.secretsmanager(scope, `secret:${name}-??????`)),
    ),
  );
}
