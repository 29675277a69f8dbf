/** What a person types into the files new:env writes, for the scripted new-user trial and its tests. */

/** Values of perf's own (account 555566667777, us-west-2) for every placeholder new:env leaves in a copy of staging. */
export const PERF_ENVIRONMENT: Readonly<Record<string, string>> = {
  'aws.accountId': '555566667777',
  'aws.clusterName': 'llm-perf',
  'dns.zone': 'perf.llm.example.com',
  'dns.hostedZoneId': 'Z05011223344556677AAB',
  'dns.host': 'api.perf.llm.example.com',
  'dns.certificateArn': 'arn:aws:acm:us-west-2:555566667777:certificate/5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d10',
  'network.vpcId': 'vpc-05a5b5c5d5e5f5051',
  'network.vpcCidr': '10.50.0.0/16',
  'network.privateSubnetIds[0]': 'subnet-05a5b5c5d5e5f5011',
  'network.privateSubnetIds[1]': 'subnet-05a5b5c5d5e5f5022',
  'network.privateSubnetIds[2]': 'subnet-05a5b5c5d5e5f5033',
  'network.clusterSecurityGroupId': 'sg-05a5b5c5d5e5f5001',
  'karpenter.nodeRole': 'KarpenterNodeRole-llm-perf',
  'karpenter.interruptionQueue': 'llm-perf-karpenter',
  'storage.efsFileSystemId': 'fs-05a5b5c5d5e5f5010',
  'gpu.efa.placementGroup': 'llm-perf-efa',
  'ingress.wafAclArn': 'arn:aws:wafv2:us-west-2:555566667777:regional/webacl/llm-perf-api/55f5e5d5-c5b5-4a55-9f5e-5d5c5b5a5f55',
  'gateway.secretName': 'llm/perf/gateway',
  'edge.jwt.audience[0]': 'llm-api-perf',
};

/**
 * Fills each `FILL(...)` on the lines new:env listed (`  file:line: field: what`) with the
 * value for its field, as a person would by hand. Throws on a field without a value.
 */
export function fillListedPlaceholders(text: string, listing: string, values: Readonly<Record<string, string>>): string {
  const lines = text.split('\n');
  for (const match of listing.matchAll(/^ {2}\S+:(\d+): (\S+): /gm)) {
    const [, line, field] = match;
    const value = values[field!];
    if (value === undefined) throw new Error(`no value for ${field}`);
    lines[Number(line) - 1] = lines[Number(line) - 1]!.replace(/"FILL\([^"]*\)"/, JSON.stringify(value));
  }
  return lines.join('\n');
}
