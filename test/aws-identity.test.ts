import { beforeAll, describe, expect, test } from 'vitest';
import type { Fleet } from '../scripts/lib/config/fleet.js';
import { ACK_CONTROLLERS, BOOTSTRAP_ACK_SERVICES, ackServiceAccount, type AckService } from '../platform/ack/ack-controllers.js';
import { CALLS_AWS_ANNOTATION } from '../platform/identity/workload-identity.js';
import { CONTROLLER_IDENTITIES } from '../platform/identity/controller-identities.js';
import { renderSampleFleet, type Json } from './helpers/rendered-fleet.js';

/* Every workload that calls AWS gets an identity, and every identity is least-privilege: asserted
 * on the rendered ACK objects, with their JSON policy strings parsed. */

type Statement = {
  Sid: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: string | string[];
  NotResource?: unknown;
  Condition?: Json;
  Principal?: Json;
};

let fleet: Fleet;
let envs: Array<{ name: string; cluster: string; account: string; objects: Json[] }>;

beforeAll(async () => {
  const rendered = await renderSampleFleet();
  fleet = rendered.fleet;
  envs = rendered.envs.map(({ name, spec, objects }) => ({ name, cluster: spec.aws.clusterName, account: spec.aws.accountId, objects }));
});

const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const of = (objects: Json[], kind: string) => objects.filter((o) => o.kind === kind);
/** IAM roles (ACK), not the Kubernetes RBAC Roles of the same kind name. */
const iamRoles = (objects: Json[]) => objects.filter((o) => o.kind === 'Role' && o.apiVersion.startsWith('iam.services.k8s.aws/'));
const statements = (document: string): Statement[] => {
  const s = JSON.parse(document).Statement as Statement | Statement[];
  return Array.isArray(s) ? s : [s];
};

describe('AWS identities', () => {
  test('every service account that calls AWS has a Pod Identity association whose role is rendered', () => {
    for (const env of envs) {
      const callers = of(env.objects, 'ServiceAccount').filter((sa) => sa.metadata.annotations?.[CALLS_AWS_ANNOTATION] === 'true');
      expect(callers.length, env.name).toBe(
        fleet.environments.get(env.name)!.spec.models ? Object.keys(fleet.environments.get(env.name)!.spec.models).length : 0,
      );
      for (const sa of callers) {
        const association = of(env.objects, 'PodIdentityAssociation').find(
          (a) => a.spec.namespace === sa.metadata.namespace && a.spec.serviceAccount === sa.metadata.name,
        );
        expect(association, `${env.name} ${sa.metadata.namespace}/${sa.metadata.name}`).toBeDefined();
        expect(association!.spec.clusterName).toBe(env.cluster);
        const role = iamRoles(env.objects).find(
          (r) => r.metadata.name === association!.spec.roleRef.from.name && r.metadata.namespace === association!.metadata.namespace,
        );
        expect(role, `${env.name}: role ${association!.spec.roleRef.from.name}`).toBeDefined();
      }
    }
  });

  test('every platform controller and every ACK controller but the bootstrap ones has an association', () => {
    for (const env of envs) {
      const wanted = [
        ...Object.values(CONTROLLER_IDENTITIES).map((c) => `${c.namespace}/${c.serviceAccount}`),
        'external-secrets/external-secrets',
        ...expectedAckServices(env)
          .filter((s) => !BOOTSTRAP_ACK_SERVICES.includes(s))
          .map((s) => `ack-system/${ackServiceAccount(s)}`),
      ].sort();
      const associated = of(env.objects, 'PodIdentityAssociation').map((a) => `${a.spec.namespace}/${a.spec.serviceAccount}`);
      expect(associated.filter((a) => !a.startsWith('llm-')).sort(), env.name).toEqual(wanted);
      for (const association of of(env.objects, 'PodIdentityAssociation')) {
        expect(
          iamRoles(env.objects).some(
            (r) => r.metadata.name === association.spec.roleRef.from.name && r.metadata.namespace === association.metadata.namespace,
          ),
          association.metadata.name,
        ).toBe(true);
      }
    }
  });

  test('each role trusts Pod Identity for exactly its service account, in its cluster, under the permissions boundary', () => {
    for (const env of envs) {
      for (const association of of(env.objects, 'PodIdentityAssociation')) {
        const role = iamRoles(env.objects).find((r) => r.metadata.name === association.spec.roleRef.from.name)!;
        expect(role.spec.name.length).toBeLessThanOrEqual(64);
        expect(role.spec.name.startsWith(`${env.cluster}-`)).toBe(true);
        expect(role.spec.permissionsBoundary).toBe(`arn:aws:iam::${env.account}:policy/${env.cluster}-workload-boundary`);
        const [trust, ...more] = statements(role.spec.assumeRolePolicyDocument);
        expect(more).toEqual([]);
        expect(trust!.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
        expect(trust!.Condition!.StringEquals).toEqual({
          'aws:RequestTag/eks-cluster-arn': `arn:aws:eks:us-west-2:${env.account}:cluster/${env.cluster}`,
          'aws:RequestTag/kubernetes-namespace': association.spec.namespace,
          'aws:RequestTag/kubernetes-service-account': association.spec.serviceAccount,
        });
      }
    }
  });

  test('no statement allows a wildcard action, NotAction, or a write on Resource "*" without a condition', () => {
    const readOnly = (action: string) =>
      /^[a-z0-9-]+:(Describe|List)[A-Za-z0-9*]*$/.test(action) || /^(cloudwatch|ec2|pricing):Get[A-Za-z0-9*]*$/.test(action);
    const findings: string[] = [];
    for (const env of envs) {
      for (const role of iamRoles(env.objects)) {
        for (const [name, document] of Object.entries(role.spec.inlinePolicies as Record<string, string>)) {
          for (const s of statements(document)) {
            const where = `${env.name} ${role.spec.name} ${name} ${s.Sid}`;
            if (s.Effect !== 'Allow') continue;
            if (s.NotAction || s.NotResource) findings.push(`${where}: NotAction/NotResource`);
            for (const action of list(s.Action))
              if (action.includes('*') && !readOnly(action)) findings.push(`${where}: wildcard action ${action}`);
            const writes = list(s.Action).filter((a) => !readOnly(a));
            if (list(s.Resource).includes('*') && writes.length > 0 && !s.Condition) findings.push(`${where}: ${writes.join(', ')} on *`);
          }
        }
      }
    }
    expect(findings).toEqual([]);
  });

  test("a model server reads its own model's prefix and nothing else", () => {
    const prod = envs.find((e) => e.name === 'prod')!;
    const role = iamRoles(prod.objects).find((r) => r.metadata.name === 'llm-prod-model-llama-3-3-70b-instruct')!;
    expect(statements(role.spec.inlinePolicies['model-llama-3-3-70b-instruct'])).toEqual([
      {
        Sid: 'ListOnlyTheModelPrefix',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::acme-llm-weights-us-west-2',
        Condition: { StringLike: { 's3:prefix': ['meta-llama/Llama-3.3-70B-Instruct/*'] } },
      },
      {
        Sid: 'ReadTheModelPrefix',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::acme-llm-weights-us-west-2/meta-llama/Llama-3.3-70B-Instruct/*',
      },
    ]);
  });

  test('external-dns may change records of its own zone only; Karpenter passes only the node role', () => {
    for (const env of envs) {
      const spec = fleet.environments.get(env.name)!.spec;
      const dns = statements(
        iamRoles(env.objects).find((r) => r.spec.name === `${env.cluster}-external-dns`)!.spec.inlinePolicies['external-dns'],
      );
      expect(dns.find((s) => s.Sid === 'ChangeRecordsInOneZone')!.Resource).toBe(`arn:aws:route53:::hostedzone/${spec.dns.hostedZoneId}`);
      const karpenter = statements(
        iamRoles(env.objects).find((r) => r.spec.name === `${env.cluster}-karpenter`)!.spec.inlinePolicies.karpenter,
      );
      expect(karpenter.find((s) => s.Sid === 'AllowPassingInstanceRole')!.Resource).toBe(
        `arn:aws:iam::${env.account}:role/${spec.karpenter.nodeRole}`,
      );
    }
  });

  test('an ACK service controller (and so its role) runs only where objects of its group are rendered', () => {
    for (const env of envs) {
      const running = of(env.objects, 'Application')
        .map((a) => /^ack-(.+)-controller$/.exec(a.metadata.name)?.[1])
        .filter((s): s is string => s !== undefined && !BOOTSTRAP_ACK_SERVICES.includes(s as AckService));
      for (const service of running)
        expect(
          env.objects.some((o) => o.apiVersion.startsWith(`${service}.services.k8s.aws/`)),
          `${env.name}: ack-${service}-controller runs, but nothing of ${service}.services.k8s.aws is rendered`,
        ).toBe(true);
    }
  });

  test('ACK controllers install from pinned OCI charts, cluster-wide, retaining AWS resources in highly available environments', () => {
    for (const env of envs) {
      const apps = of(env.objects, 'Application').filter((a) => a.metadata.name.startsWith('ack-'));
      expect(apps.map((a) => a.metadata.name).sort(), env.name).toEqual(
        expectedAckServices(env)
          .map((s) => `ack-${s}-controller`)
          .sort(),
      );
      for (const app of apps) {
        expect(app.spec.source.repoURL).toBe('public.ecr.aws/aws-controllers-k8s');
        expect(app.spec.source.targetRevision).toMatch(/^\d+\.\d+\.\d+$/);
        const values = app.spec.source.helm.valuesObject;
        expect(values.installScope).toBe('cluster');
        expect(values.deletionPolicy).toBe(fleet.environments.get(env.name)!.spec.highAvailability ? 'retain' : 'delete');
      }
    }
  });
});

/** The ACK controllers an environment runs: the async route's four only where it exists. */
function expectedAckServices(env: { name: string }): AckService[] {
  const asyncOnly: readonly string[] = ['apigatewayv2', 'lambda', 'sqs', 'cloudwatchlogs'];
  const hasAsync = fleet.environments.get(env.name)!.spec.async !== undefined;
  return (Object.keys(ACK_CONTROLLERS) as AckService[]).filter((s) => hasAsync || !asyncOnly.includes(s));
}
