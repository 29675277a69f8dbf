import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { dump } from 'js-yaml';
import { kroInstanceSchema } from '../scripts/lib/schemas/kro-instance-schema.js';
import { REPO_ROOT, runScript } from './helpers/fixture-repo.js';
import { renderSampleFleet, type Json, type RenderedEnvironment } from './helpers/rendered-fleet.js';
import { MIRROR_LOCATIONS, MIRROR_SKIP_REASON } from './helpers/schema-mirror.js';

/* The serving path's security groups (ACK), their attachment to pods (kro -> SecurityGroupPolicy)
 * and the rules between them, asserted on the rendered objects of every environment. */

let envs: RenderedEnvironment[];

beforeAll(async () => {
  ({ envs } = await renderSampleFleet());
});

const groups = (env: RenderedEnvironment) => env.objects.filter((o) => o.kind === 'SecurityGroup');
const key = (namespace: string, name: string) => `${namespace}/${name}`;
const group = (env: RenderedEnvironment, namespace: string, name: string) =>
  groups(env).find((g) => g.metadata.namespace === namespace && g.metadata.name === name)!;

/** Where a rule's traffic comes from: "cidr:...", "id:sg-..." or "ref:<namespace>/<name>". */
function sources(owner: Json, rule: Json): string[] {
  return [
    ...(rule.ipRanges ?? []).map((r: Json) => `cidr:${r.cidrIP}`),
    ...(rule.userIDGroupPairs ?? []).map((p: Json) =>
      p.groupID ? `id:${p.groupID}` : `ref:${key(p.groupRef.from.namespace ?? owner.metadata.namespace, p.groupRef.from.name)}`,
    ),
  ];
}

const ingress = (g: Json) =>
  (g.spec.ingressRules as Json[])
    .flatMap((rule) => sources(g, rule).map((source) => `${rule.ipProtocol}/${rule.fromPort}-${rule.toPort} from ${source}`))
    .sort();
const modelNamespaces = (env: RenderedEnvironment) => Object.keys(env.spec.models).map((m) => `llm-${m}`);
/** The namespaces with a canary guard (a multi-node model's staged canary, apps/canary-guard/). */
const guarded = (env: RenderedEnvironment) =>
  env.objects.filter((o) => o.kind === 'Deployment' && o.metadata.name === 'canary-guard').map((o) => o.metadata.namespace as string);

/*
 * The security-group layer as EC2 decides it. A pod with a SecurityGroupPolicy carries its groups
 * and nothing of its node's; CoreDNS runs on the nodes, which carry the EKS cluster security
 * group, whose rules EKS sets: all traffic from its own members, all traffic out. A packet passes
 * when one of the sender's groups lets it out and one of the receiver's lets it in; a rule names
 * its peer by group (id or reference) or by CIDR (every pod and node address is in the VPC's).
 */
interface Carrier {
  /** "id:sg-..." or "ref:<namespace>/<name>", as `sources` spells them. */
  readonly groups: readonly string[];
}
const clusterGroup = (env: RenderedEnvironment) => `id:${env.spec.network.clusterSecurityGroupId}`;
function rulesOf(env: RenderedEnvironment, name: string, direction: 'ingressRules' | 'egressRules'): Json[] {
  if (name === clusterGroup(env))
    return [
      {
        ipProtocol: '-1',
        userIDGroupPairs: direction === 'ingressRules' ? [{ groupID: name.slice(3) }] : [],
        ipRanges: direction === 'egressRules' ? [{ cidrIP: '0.0.0.0/0' }] : [],
      },
    ];
  const [namespace, groupName] = name.slice(4).split('/') as [string, string];
  return group(env, namespace, groupName).spec[direction] ?? [];
}
const coversPort = (rule: Json, protocol: string, port: number) =>
  rule.ipProtocol === '-1' || (rule.ipProtocol === protocol && rule.fromPort <= port && port <= rule.toPort);
/** Whether a rule's peers include a member of `peer` (a VPC address carrying those groups). */
function namesPeer(env: RenderedEnvironment, owner: string, rule: Json, peer: Carrier): boolean {
  const ownerObject = owner.startsWith('ref:') ? { metadata: { namespace: owner.slice(4).split('/')[0] } } : { metadata: {} };
  return sources(ownerObject, rule).some((source) =>
    source.startsWith('cidr:') ? ['0.0.0.0/0', env.spec.network.vpcCidr].includes(source.slice(5)) : peer.groups.includes(source),
  );
}
function passes(env: RenderedEnvironment, from: Carrier, to: Carrier, protocol: 'tcp' | 'udp', port: number): boolean {
  const out = from.groups.some((g) =>
    rulesOf(env, g, 'egressRules').some((r) => coversPort(r, protocol, port) && namesPeer(env, g, r, to)),
  );
  const into = to.groups.some((g) =>
    rulesOf(env, g, 'ingressRules').some((r) => coversPort(r, protocol, port) && namesPeer(env, g, r, from)),
  );
  return out && into;
}
/** The groups a PodSecurityGroup puts on its pods. */
const carriedBy = (attachment: Json): Carrier => ({
  groups: [
    `ref:${key(attachment.metadata.namespace, attachment.spec.securityGroup)}`,
    ...(attachment.spec.additionalGroupIds ?? []).map((id: string) => `id:${id}`),
  ],
});

describe('security groups', () => {
  test('every reference resolves to a rendered group, ids come from cluster.yaml, and the graph has no cycle', () => {
    for (const env of envs) {
      const edges = new Map<string, string[]>();
      const configured = [env.spec.network.clusterSecurityGroupId];
      for (const g of groups(env)) {
        const from = key(g.metadata.namespace, g.metadata.name);
        const refs: string[] = [];
        for (const rule of [...(g.spec.ingressRules ?? []), ...(g.spec.egressRules ?? [])]) {
          for (const source of sources(g, rule)) {
            if (source.startsWith('ref:')) refs.push(source.slice(4));
            if (source.startsWith('id:')) expect(configured, `${env.name} ${from}`).toContain(source.slice(3));
          }
        }
        edges.set(from, refs);
      }
      for (const [from, refs] of edges) for (const to of refs) expect(edges.has(to), `${env.name} ${from} -> ${to}`).toBe(true);
      // Depth-first search: a back edge is a cycle, which ACK could never resolve.
      const state = new Map<string, 'open' | 'done'>();
      const visit = (node: string, trail: string[]): void => {
        if (state.get(node) === 'done') return;
        expect(state.get(node), `${env.name} cycle: ${[...trail, node].join(' -> ')}`).not.toBe('open');
        state.set(node, 'open');
        for (const next of edges.get(node) ?? []) visit(next, [...trail, node]);
        state.set(node, 'done');
      };
      for (const node of edges.keys()) visit(node, []);
      // The gateway's three, a model server's and a router's per model, each canary guard's, and the async route's.
      expect(edges.size).toBe(3 + 2 * modelNamespaces(env).length + guarded(env).length + (env.spec.async ? 1 : 0));
    }
  });

  test('rules are minimal: the load balancers to the gateway, the gateway to the routers, each router to its model server, and Redis 6379', () => {
    for (const env of envs) {
      const nodes = `id:${env.spec.network.clusterSecurityGroupId}`;
      expect(ingress(group(env, 'gateway', 'gateway-pods'))).toEqual(
        [`tcp/4000-4000 from ref:gateway/gateway-load-balancer`, `tcp/4000-4000 from ${nodes}`].sort(),
      );
      for (const namespace of modelNamespaces(env)) {
        // A multi-node replica's pods reach each other through the cluster group they all carry.
        expect(ingress(group(env, namespace, 'model-server')), `${env.name} ${namespace}`).toEqual(
          [`tcp/8000-8000 from ${nodes}`, `tcp/8000-8000 from ref:${namespace}/router`].sort(),
        );
        // The router admits the gateway's pods, and the nodes for probes and scrapes; a canary's
        // router (Istio's Envoy pods and the pickers) Istio's ports too. Envoy's ext_proc calls to
        // the pickers pass through the cluster group both carry.
        const canary = env.objects.some((o) => o.kind === 'Gateway' && o.metadata.namespace === namespace);
        expect(ingress(group(env, namespace, 'router')), `${env.name} ${namespace}`).toEqual(
          (canary
            ? [
                'tcp/8081-8081 from ref:gateway/gateway-pods',
                `tcp/9090-9090 from ${nodes}`,
                `tcp/9003-9003 from ${nodes}`,
                `tcp/15020-15020 from ${nodes}`,
                `tcp/15021-15021 from ${nodes}`,
                `tcp/15090-15090 from ${nodes}`,
              ]
            : [
                'tcp/8081-8081 from ref:gateway/gateway-pods',
                `tcp/9090-9090 from ${nodes}`,
                `tcp/19001-19001 from ${nodes}`,
                `tcp/9003-9003 from ${nodes}`,
              ]
          ).sort(),
        );
      }
      expect(ingress(group(env, 'gateway', 'gateway-cache'))).toEqual(['tcp/6379-6379 from ref:gateway/gateway-pods']);
      // The ALB is the API's way in: from anywhere when internet-facing, from the VPC when internal.
      const clients = env.spec.ingress.scheme === 'internet-facing' ? 'cidr:0.0.0.0/0' : `cidr:${env.spec.network.vpcCidr}`;
      expect(ingress(group(env, 'gateway', 'gateway-load-balancer')), env.name).toEqual([
        `tcp/443-443 from ${clients}`,
        `tcp/80-80 from ${clients}`,
      ]);
      // The ALB reaches the gateway pods, and the JWKS endpoint its JWT verification reads (on that URL's port).
      const ingressObject = env.objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'api')!;
      const jwks = new URL(JSON.parse(ingressObject.metadata.annotations['alb.ingress.kubernetes.io/jwt-validation']).jwksEndpoint);
      const alb: Carrier = { groups: ['ref:gateway/gateway-load-balancer'] };
      const egressOf = (g: Json) =>
        (g.spec.egressRules as Json[]).flatMap((rule) =>
          sources(g, rule).map((to) => `${rule.ipProtocol}/${rule.fromPort}-${rule.toPort} to ${to}`),
        );
      const jwksPort = Number(jwks.port || 443);
      expect(egressOf(group(env, 'gateway', 'gateway-load-balancer')).sort(), env.name).toEqual(
        [`tcp/4000-4000 to cidr:${env.spec.network.vpcCidr}`, `tcp/${jwksPort}-${jwksPort} to cidr:0.0.0.0/0`].sort(),
      );
      expect(
        passes(env, alb, carriedBy({ metadata: { namespace: 'gateway' }, spec: { securityGroup: 'gateway-pods' } }), 'tcp', 4000),
      ).toBe(true);
      const gatewayOut = (group(env, 'gateway', 'gateway-pods').spec.egressRules as Json[]).map((r) => r.fromPort).sort();
      expect(gatewayOut).toEqual([53, 53, 6379, 8081]);
    }
  });

  test('every pod security group is attached, through a PodSecurityGroup, to exactly the pods it is for', () => {
    for (const env of envs) {
      const attachments = env.objects.filter((o) => o.kind === 'PodSecurityGroup');
      // The gateway's, and each model namespace's two: its server's and its router's.
      const expected = [
        'gateway/gateway-pods',
        ...modelNamespaces(env).flatMap((n) => [`${n}/model-server`, `${n}/router`]),
        ...guarded(env).map((n) => `${n}/canary-guard`),
      ];
      expect(attachments.map((a) => `${a.metadata.namespace}/${a.metadata.name}`).sort()).toEqual(expected.sort());
      for (const attachment of attachments) {
        const { namespace } = attachment.metadata;
        expect(group(env, namespace, attachment.spec.securityGroup), `${env.name} ${namespace}`).toBeDefined();
        // Every pod group also carries the cluster group: CoreDNS and the API server's private endpoint admit it.
        expect(attachment.spec.additionalGroupIds, attachment.metadata.name).toEqual([env.spec.network.clusterSecurityGroupId]);
        const workloads = env.objects.filter(
          (o) => ['Deployment', 'Rollout', 'LeaderWorkerSet'].includes(o.kind) && o.metadata.namespace === namespace,
        );
        const router = attachment.metadata.name === 'router';
        const gateway = env.objects.find((o) => o.kind === 'Gateway' && o.metadata.namespace === namespace);
        if (router && gateway) {
          // A canary's router group: Istio's Envoy pods (the Gateway's infrastructure labels) and both pickers, nothing else.
          const pickers = workloads.filter((o) => o.metadata.name.endsWith('-picker'));
          expect(pickers).toHaveLength(2);
          for (const labels of [gateway.spec.infrastructure.labels, ...pickers.map((p) => p.spec.template.metadata.labels)])
            for (const [label, value] of Object.entries(attachment.spec.podSelector))
              expect(labels[label], `${namespace} ${label}`).toBe(value);
          const server = workloads.find((o) => o.kind === 'Rollout' || o.kind === 'LeaderWorkerSet')!;
          const serverLabels =
            server.kind === 'Rollout'
              ? server.spec.template.metadata.labels
              : server.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels;
          expect(Object.entries(attachment.spec.podSelector).every(([k, v]) => serverLabels[k] === v)).toBe(false);
          continue;
        }
        const guard = attachment.metadata.name === 'canary-guard';
        const workload = guard
          ? workloads.find((o) => o.metadata.name === 'canary-guard')!
          : workloads.find(
              (o) =>
                o.metadata.name.endsWith('-router') === router &&
                !o.metadata.name.endsWith('-picker') &&
                o.metadata.name !== 'canary-guard',
            )!;
        const templates =
          workload.kind === 'Deployment' || workload.kind === 'Rollout'
            ? [workload.spec.template]
            : [workload.spec.leaderWorkerTemplate.leaderTemplate, workload.spec.leaderWorkerTemplate.workerTemplate];
        // The selector picks the serving pods (their template labels: all of a group's)...
        for (const template of templates)
          for (const [label, value] of Object.entries(attachment.spec.podSelector))
            expect(template.metadata.labels[label], `${namespace} ${label}`).toBe(value);
        // ...and no pods of other workloads in the namespace (it is the Deployment's own selector).
        if (workload.kind !== 'LeaderWorkerSet') expect(attachment.spec.podSelector).toEqual(workload.spec.selector.matchLabels);
      }
    }
  });

  test('every pod with a security group resolves names: CoreDNS on the nodes admits it on 53, UDP and TCP', () => {
    for (const env of envs) {
      const coredns: Carrier = { groups: [clusterGroup(env)] };
      for (const attachment of env.objects.filter((o) => o.kind === 'PodSecurityGroup')) {
        const pods = carriedBy(attachment);
        for (const protocol of ['udp', 'tcp'] as const)
          expect(
            passes(env, pods, coredns, protocol, 53),
            `${env.name} ${attachment.metadata.namespace}/${attachment.metadata.name} DNS/${protocol}`,
          ).toBe(true);
      }
    }
  });

  test('no pod group admits an address range: in the cluster peers are named by group, so the rest of the VPC stays out', () => {
    for (const env of envs) {
      const outsider: Carrier = { groups: [] };
      for (const attachment of env.objects.filter((o) => o.kind === 'PodSecurityGroup')) {
        const own = group(env, attachment.metadata.namespace, attachment.spec.securityGroup);
        const ranges = ingress(own).filter((rule) => rule.includes(' from cidr:'));
        expect(ranges, `${env.name} ${attachment.metadata.namespace}/${own.metadata.name}`).toEqual([]);
        // An instance of the VPC that is no pod or node of the cluster reaches no port of these pods.
        for (const port of [22, 1024, 8000, 8081, 9002, 65535])
          expect(passes(env, outsider, carriedBy(attachment), 'tcp', port), `${attachment.metadata.namespace} ${port}`).toBe(false);
      }
      // The pods of one multi-node replica still reach each other on NCCL's ephemeral ports.
      for (const attachment of env.objects.filter((o) => o.kind === 'PodSecurityGroup' && o.metadata.name === 'model-server'))
        expect(passes(env, carriedBy(attachment), carriedBy(attachment), 'tcp', 40000), attachment.metadata.namespace).toBe(true);
    }
  });

  test('the model: a pod carrying only its own group is refused by CoreDNS, though its group lets DNS out', () => {
    const env = envs.find((e) => e.name === 'prod')!;
    const alone: Carrier = { groups: ['ref:gateway/gateway-pods'] };
    const coredns: Carrier = { groups: [clusterGroup(env)] };
    expect(passes(env, alone, { groups: ['ref:gateway/gateway-pods'] }, 'udp', 53)).toBe(false);
    expect(passes(env, alone, coredns, 'udp', 53)).toBe(false);
    // What the ALB may reach is still only the gateway's port.
    const alb: Carrier = { groups: ['ref:gateway/gateway-load-balancer'] };
    expect(passes(env, alb, carriedBy({ metadata: { namespace: 'gateway' }, spec: { securityGroup: 'gateway-pods' } }), 'tcp', 4000)).toBe(
      true,
    );
    expect(passes(env, alb, carriedBy({ metadata: { namespace: 'gateway' }, spec: { securityGroup: 'gateway-pods' } }), 'tcp', 4001)).toBe(
      false,
    );
  });

  test('the API Ingress uses its own group, found by Name tag, and the controller leaves pod groups alone', () => {
    for (const env of envs) {
      const annotations = env.objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'api')!.metadata.annotations;
      const nameTag = group(env, 'gateway', 'gateway-load-balancer').spec.tags.find((t: Json) => t.key === 'Name').value;
      expect(annotations['alb.ingress.kubernetes.io/security-groups']).toBe(nameTag);
      expect(annotations['alb.ingress.kubernetes.io/manage-backend-security-group-rules']).toBe('false');
    }
  });

  test('names and descriptions use only what EC2 accepts', () => {
    const allowed = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,255}$/;
    for (const env of envs) {
      for (const g of groups(env)) {
        expect(g.spec.description, g.metadata.name).toMatch(allowed);
        expect(g.spec.name, g.metadata.name).toMatch(allowed);
        for (const rule of [...(g.spec.ingressRules ?? []), ...(g.spec.egressRules ?? [])]) {
          for (const entry of [...(rule.ipRanges ?? []), ...(rule.userIDGroupPairs ?? [])])
            expect(entry.description, g.metadata.name).toMatch(allowed);
        }
      }
    }
  });
});

describe('the PodSecurityGroup graph (kro)', () => {
  const graphOf = (env: RenderedEnvironment) =>
    env.objects.find((o) => o.kind === 'ResourceGraphDefinition' && o.metadata.name === 'pod-security-group')!;

  test('reads the ACK group, and writes a SecurityGroupPolicy from its id; kro may do that and no more', () => {
    for (const env of envs) {
      const graph = graphOf(env);
      const [read, write] = graph.spec.resources as Json[];
      expect(read).toEqual({
        id: 'securityGroup',
        externalRef: {
          apiVersion: 'ec2.services.k8s.aws/v1alpha1',
          kind: 'SecurityGroup',
          metadata: { name: '${schema.spec.securityGroup}' },
        },
      });
      // The group's id, then the ids the instance adds (the cluster group for the routers): CEL list concatenation.
      expect(write!.template.spec.securityGroups.groupIds).toBe('${[securityGroup.status.id] + schema.spec.additionalGroupIds}');
      const role = env.objects.find(
        (o) => o.kind === 'ClusterRole' && o.metadata.labels?.['rbac.kro.run/aggregate-to-controller'] === 'true',
      )!;
      const verbs = (resource: string) => role.rules.find((r: Json) => r.resources.includes(resource))?.verbs ?? [];
      expect(verbs('securitygroups')).toEqual(['get', 'list', 'watch']);
      expect(verbs('securitygrouppolicies')).toContain('create');
      const kro = env.objects.find((o) => o.kind === 'Application' && o.metadata.name === 'kro')!;
      expect(kro.spec.source.helm.valuesObject.rbac).toEqual({ mode: 'aggregation' });
      expect(kro.spec.source.helm.valuesObject.image.tag).toMatch(/^v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    }
  });

  test.skipIf(MIRROR_LOCATIONS === '')(
    'the SecurityGroupPolicy kro renders for each instance is valid against the strict schema',
    async () => {
      // kro's substitution for the standalone ${...} expressions of this graph, with the id ACK would report.
      const env = envs.find((e) => e.name === 'prod')!;
      const graph = graphOf(env);
      const policies = env.objects
        .filter((o) => o.kind === 'PodSecurityGroup')
        .map((instance) => {
          // kro applies the schema's defaults (additionalGroupIds: []) before it evaluates.
          const withDefaults = { ...instance, spec: { additionalGroupIds: [], ...instance.spec } };
          const scope: Json = { schema: withDefaults, securityGroup: { status: { id: 'sg-0123456789abcdef0' } } };
          const lookup = (reference: string) => reference.split('.').reduce<any>((at, part) => at?.[part], scope);
          const resolve = (value: unknown): unknown => {
            if (typeof value === 'string') {
              const match = /^\$\{([A-Za-z.]+)\}$/.exec(value);
              if (match) return lookup(match[1]!);
              // "[a.b] + c.d": a one-element list concatenated with a list field.
              const concat = /^\$\{\[([A-Za-z.]+)\] \+ ([A-Za-z.]+)\}$/.exec(value);
              return concat ? [lookup(concat[1]!), ...(lookup(concat[2]!) as unknown[])] : value;
            }
            if (Array.isArray(value)) return value.map(resolve);
            if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
            return value;
          };
          return resolve(graph.spec.resources[1].template) as Json;
        });
      // Every policy: the pods' own group (its id from ACK's status), then the cluster group.
      expect(policies.map((p) => p.spec.securityGroups.groupIds)).toEqual(
        policies.map(() => ['sg-0123456789abcdef0', env.spec.network.clusterSecurityGroupId]),
      );
      const dir = await mkdtemp(path.join(tmpdir(), 'sgp-'));
      try {
        const file = path.join(dir, 'policies.yaml');
        await writeFile(file, policies.map((p) => dump(p)).join('---\n'));
        const result = await runScript('validate', ['--format', 'json', file], REPO_ROOT, { VALIDATE_SCHEMA_LOCATIONS: MIRROR_LOCATIONS });
        const report = JSON.parse(result.stdout) as { summary: { valid: number; invalid: number; errors: number } };
        expect(report.summary).toMatchObject({ valid: policies.length, invalid: 0, errors: 0 });
        expect(result.code, result.stdout).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
  if (MIRROR_LOCATIONS === '') test.skip(`the SecurityGroupPolicy check: ${MIRROR_SKIP_REASON}`, () => {});

  test('instances are validated against a schema generated from the graph, and the vendored copy is current', async () => {
    const generated = kroInstanceSchema(graphOf(envs[0]!));
    expect({ group: generated.group, kind: generated.kind, version: generated.version }).toEqual({
      group: 'kro.run',
      kind: 'PodSecurityGroup',
      version: 'v1alpha1',
    });
    const vendored = JSON.parse(
      await readFile(path.join(REPO_ROOT, 'platform/schemas/crds/kro.run/podsecuritygroup_v1alpha1.json'), 'utf8'),
    );
    expect(vendored).toEqual(generated.schema);
    expect(generated.schema).toMatchObject({
      properties: { spec: { required: ['podSelector', 'securityGroup'], additionalProperties: false } },
    });
  });
});
