import { afterEach, describe, expect, test } from 'vitest';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { analyze } from '../scripts/lib/netpol/analyzer.js';
import type { ClusterModel, ClusterPod } from '../scripts/lib/netpol/cluster-model.js';
import type { FlowCheck } from '../scripts/lib/netpol/expand-flows.js';
import { addressIn } from '../scripts/lib/netpol/expand-flows.js';
import { loadFlowFile, parseFlowFile, type FlowSpec } from '../scripts/lib/netpol/flow-spec.js';
import { EKS_CONTROL_PLANE_MONITORS } from '../platform/monitoring/monitoring.js';
import { renderSampleFleet, type Json } from './helpers/rendered-fleet.js';
import { engineForTests } from './helpers/engines.js';
import { FLEET_ROOT, makeFixtureRepo, REPO_ROOT, runScript, type FixtureRepo } from './helpers/fixture-repo.js';

/*
 * npm run netpol: every environment's NetworkPolicies decide the flows platform/network/flows.yaml
 * lists the way it says, by a real NetworkPolicy engine (cyclonus's matcher, built by npm run tools).
 */

const analyzer = await engineForTests('netpol-analyzer');
const live = describe.skipIf(!analyzer.located);

interface Report {
  ok: boolean;
  environments: Array<{
    env: string;
    checked: { allow: number; deny: number };
    findings: Array<{ file: string; line: number; flow: string; kind: string; message: string }>;
  }>;
  stale: Array<{ line: number; flow: string; message: string }>;
}

async function netpol(root: string, args: string[] = []): Promise<{ code: number; report: Report | undefined; stderr: string }> {
  const result = await runScript('netpol', ['--format', 'json', '--root', root, ...args], REPO_ROOT);
  let report: Report | undefined;
  try {
    report = JSON.parse(result.stdout) as Report;
  } catch {
    report = undefined;
  }
  return { code: result.code, report, stderr: result.stderr };
}

/** A copy of the inputs, the committed folders and the flows file. */
async function fixture(): Promise<FixtureRepo> {
  const repo = await makeFixtureRepo();
  await cp(path.join(REPO_ROOT, 'platform/network/flows.yaml'), path.join(repo.root, 'platform/network/flows.yaml'));
  return repo;
}

/** Drops one rendered file from an environment's component folder (and its kustomization entry). */
async function remove(repo: FixtureRepo, folder: string, file: string): Promise<void> {
  await repo.edit(`${folder}/kustomization.yaml`, `  - ${file}\n`, '');
}

live(`the sample fleet${analyzer.skipReason ? ` — skipped: ${analyzer.skipReason}` : ''}`, () => {
  let repo: FixtureRepo | undefined;
  afterEach(async () => {
    await repo?.dispose();
    repo = undefined;
  });

  test('every environment allows each flow it must and blocks each flow it must not', async () => {
    const { code, report, stderr } = await netpol(FLEET_ROOT);
    expect(code, stderr).toBe(0);
    expect(report!.ok).toBe(true);
    expect(report!.environments.map((e) => e.env)).toEqual(['dev', 'prod', 'staging']);
    for (const env of report!.environments) {
      // Each model and each platform namespace contributes pairs: far more than the file's entries.
      expect(env.checked.allow).toBeGreaterThan(50);
      expect(env.checked.deny).toBeGreaterThan(50);
      expect(env.findings).toEqual([]);
    }
  });

  test("KEDA's default deny without the gRPC allowance (the render before the fix) blocks every external metric", async () => {
    repo = await fixture();
    const keda = 'clusters/prod/manifests/platform/keda';
    await remove(repo, keda, 'networkpolicy-allow-metrics-service-from-metrics-apiserver.yaml');
    await remove(repo, keda, 'networkpolicy-allow-metrics-service-to-operator.yaml');
    const { code, report } = await netpol(repo.root, ['--env', 'prod']);
    expect(code).toBe(1);
    const [finding, ...rest] = report!.environments[0]!.findings;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      file: 'platform/network/flows.yaml',
      line: await repo.lineOf('platform/network/flows.yaml', 'the metrics API server asks the KEDA operator'),
      kind: 'allow',
    });
    expect(finding!.message).toContain('keda/keda-operator-metrics-apiserver -> keda/keda-operator on 9666/TCP');
    // Both sides, with the policies that select the pods.
    expect(finding!.message).toMatch(/egress from keda\/keda-operator-metrics-apiserver: selected by .*keda\/default-deny/);
    expect(finding!.message).toMatch(/ingress to keda\/keda-operator: selected by .*keda\/default-deny/);
  });

  test('a policy that lets any pod of the monitoring namespace reach a model server is a leak, named by its file', async () => {
    repo = await fixture();
    const file = 'clusters/dev/manifests/apps/llm-llama-3-1-8b-instruct/networkpolicy-allow-prometheus-scrape.yaml';
    // Scrapes admitted from, and sent by, the whole namespace, as the render had it.
    const prometheus = (indent: string) =>
      `${indent}podSelector:\n${indent}  matchLabels:\n${indent}    app.kubernetes.io/name: prometheus\n${indent}    prometheus: kube-prometheus-stack-prometheus\n`;
    await repo.edit(file, prometheus('          '), '');
    await repo.edit(
      'clusters/dev/manifests/platform/monitoring/networkpolicy-allow-scrape-targets.yaml',
      prometheus('  '),
      '  podSelector: {}\n',
    );
    const { code, report } = await netpol(repo.root, ['--env', 'dev']);
    expect(code).toBe(1);
    const leaks = report!.environments[0]!.findings;
    expect(leaks.length).toBeGreaterThan(0);
    for (const leak of leaks) {
      expect(leak).toMatchObject({
        kind: 'deny',
        flow: 'nothing but Prometheus reaches a model server from outside its namespace',
        file,
        line: 2,
      });
      expect(leak.message).toMatch(/^must be denied .* but is allowed: any pod in monitoring -> /);
      expect(leak.message).toContain('ingress to');
      expect(leak.message).toContain('allowed by llm-llama-3-1-8b-instruct/allow-prometheus-scrape');
    }
  });

  test('model namespaces reaching each other is a leak', async () => {
    repo = await fixture();
    // Both ends open: one namespace's egress and the other's ingress.
    for (const model of ['llama-3-1-8b-instruct', 'llama-3-3-70b-instruct']) {
      const folder = `clusters/staging/manifests/apps/llm-${model}`;
      await repo.write(
        `${folder}/networkpolicy-allow-everything.yaml`,
        `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-everything\n  namespace: llm-${model}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress: [{}]\n  egress: [{}]\n`,
      );
      await repo.edit(`${folder}/kustomization.yaml`, 'resources:\n', 'resources:\n  - networkpolicy-allow-everything.yaml\n');
    }
    const { code, report } = await netpol(repo.root, ['--env', 'staging']);
    expect(code).toBe(1);
    const flows = new Set(report!.environments[0]!.findings.map((f) => f.flow));
    expect(flows).toContain('model namespaces never reach each other');
    expect(flows).toContain('nothing but the gateway reaches the response cache');
  });

  test('a flow that matches no pods anywhere is stale; a chart upgrade without new labels is refused', async () => {
    repo = await fixture();
    await repo.edit(
      'platform/network/flows.yaml',
      'deny:\n',
      'deny:\n  - name: nothing reaches the old queue\n    from: { pods: "*/*" }\n    to: { pods: queue-*/* }\n    port: 5672\n    why: gone\n',
    );
    const stale = await netpol(repo.root);
    expect(stale.code).toBe(1);
    expect(stale.report!.stale).toEqual([
      {
        file: 'platform/network/flows.yaml',
        line: await repo.lineOf('platform/network/flows.yaml', 'nothing reaches the old queue'),
        flow: 'nothing reaches the old queue',
        message:
          'deny "nothing reaches the old queue" matches no pods in any environment (dev, prod, staging): fix its patterns or remove it',
      },
    ]);

    await repo.edit('clusters/dev/manifests/platform/keda/application-keda.yaml', 'targetRevision: 2.21.0', 'targetRevision: 2.22.0');
    const upgraded = await runScript('netpol', ['--env', 'dev', '--root', repo.root], REPO_ROOT);
    expect(upgraded.code).toBe(2);
    expect(upgraded.stderr).toMatch(
      /^platform\/network\/flows\.yaml:\d+: keda\/keda-operator: its labels were read from keda 2\.21\.0, but dev installs 2\.22\.0; read them again/m,
    );
  });
});

describe('the flows file', () => {
  const base = 'pods: []\nallow: []\ndeny:\n';
  test('an unknown key, a missing port and a duplicate name are located', () => {
    const loaded = parseFlowFile(
      `${base}  - name: a\n    from: { pods: a/b }\n    to: { pods: c/d }\n    why: x\n  - name: a\n    from: { pods: a/b }\n    to: { pods: c/d, selector: x }\n    port: 1\n    why: x\n`,
      'flows.yaml',
    );
    expect(loaded.ok).toBe(false);
    const problems = loaded.ok ? [] : loaded.problems.map((p) => `${p.line}: ${p.message}`);
    expect(problems.join('\n')).toMatch(/^10: /m);
    const again = parseFlowFile(`${base}  - name: a\n    from: { pods: a/b }\n    to: { pods: c/d }\n    why: x\n`, 'flows.yaml');
    expect(again.ok ? [] : again.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '4: required field is missing (expected the destination port)',
    ]);
    const twice = parseFlowFile(
      `${base}  - { name: a, from: { pods: a/b }, to: { pods: c/d }, port: 1, why: x }\n  - { name: a, from: { pods: a/b }, to: { pods: c/d }, port: 1, why: x }\n`,
      'flows.yaml',
    );
    expect(twice.ok ? [] : twice.problems.map((p) => `${p.line}: ${p.message}`)).toEqual(['5: flow "a" is already named at line 4']);
  });

  test('every chart installed with a ServiceMonitor on declares the ports Prometheus scrapes on its pods', async () => {
    const loaded = await loadFlowFile(REPO_ROOT);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const scrapedCharts = new Set(loaded.spec.pods.filter((pod) => (pod.scraped ?? []).length > 0).map((pod) => pod.chart?.name));
    /** Whether a values tree turns on a ServiceMonitor anywhere (`serviceMonitor: {enabled: true}`, at any depth). */
    const monitorOn = (value: unknown): boolean =>
      Array.isArray(value)
        ? value.some(monitorOn)
        : value !== null &&
          typeof value === 'object' &&
          Object.entries(value).some(([k, v]) => (k === 'serviceMonitor' && (v as Json)?.enabled === true) || monitorOn(v));
    const { envs } = await renderSampleFleet();
    const charts = new Set<string>();
    for (const env of envs)
      for (const app of env.objects.filter((o) => o.kind === 'Application' && o.spec.source?.chart))
        if (monitorOn(app.spec.source.helm?.valuesObject)) charts.add(app.spec.source.chart);
    // The charts whose monitors the render turns on: the gate can check their scrapes only if flows.yaml names the ports.
    expect([...charts].sort()).toEqual(['argo-rollouts', 'dcgm-exporter', 'external-secrets', 'keda']);
    for (const chart of charts) expect(scrapedCharts, chart).toContain(chart);
  });

  test("kube-prometheus-stack's component monitors: those EKS can serve are reachable, the control plane's are off", async () => {
    const { envs } = await renderSampleFleet();
    // kube-prometheus-stack 93.9.0 values.yaml: the monitors on by default, and their target ports.
    const defaults: Record<string, number> = {
      kubelet: 10250,
      coreDns: 9153,
      kubeProxy: 10249,
      kubeStateMetrics: 8080,
      nodeExporter: 9100,
    };
    for (const env of envs) {
      const values = env.objects.find((o) => o.kind === 'Application' && o.metadata.name === 'kube-prometheus-stack')!.spec.source.helm
        .valuesObject;
      for (const key of EKS_CONTROL_PLANE_MONITORS) expect(values[key], `${env.name} ${key}`).toEqual({ enabled: false });
      const egress = env.objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-scrape-targets')!.spec
        .egress as Json[];
      const ports = egress.flatMap((rule) => rule.ports.map((p: Json) => p.port));
      for (const [key, port] of Object.entries(defaults)) {
        expect(values[key]?.enabled, `${env.name} ${key}`).not.toBe(false);
        expect(ports, `${env.name} ${key}`).toContain(port);
      }
    }
  });

  test('addresses inside a CIDR', () => {
    expect(addressIn('10.30.0.0/16', 10)).toBe('10.30.0.10');
    expect(addressIn('10.30.0.0/16', 300)).toBe('10.30.1.44');
    expect(addressIn('169.254.170.23/32', 1)).toBe('169.254.170.23');
  });
});

live('the engine decides NetworkPolicy semantics', () => {
  const pod = (namespace: string, labels: Record<string, string>): ClusterPod => ({
    id: `${namespace}/p`,
    namespace,
    labels,
    serviceAccount: undefined,
    ports: {},
    origin: 'test',
  });

  const model = (policies: unknown[]): ClusterModel => ({
    env: 'test',
    vpcCidr: '10.0.0.0/16',
    namespaceLabels: new Map<string, Record<string, string>>([
      ['a', {}],
      ['b', { team: 'x' }],
    ]),
    pods: [],
    policies: policies.map((object) => ({ object: object as never, file: 'f.yaml', line: 1 })),
    podIdentities: [],
    scrapeTargets: [],
  });
  const flow = { name: 'f', kind: 'allow', line: 1, why: 'w', from: { pods: 'a/*' }, to: { pods: 'b/*' } } as unknown as FlowSpec;
  const check = (from: FlowCheck['from'], to: FlowCheck['to'], port: number, portName = ''): FlowCheck => ({
    flow,
    from,
    to,
    port,
    portName,
    protocol: 'TCP',
  });
  const inA = (labels: Record<string, string>): FlowCheck['from'] => ({ kind: 'pod', pod: pod('a', labels), ip: '10.0.1.5' });
  const inB = (labels: Record<string, string>): FlowCheck['to'] => ({ kind: 'pod', pod: pod('b', labels), ip: '10.0.2.5' });

  test('selectors, named ports and ipBlocks with except, both directions, with the deciding policies', async () => {
    const policies = [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'deny', namespace: 'b' },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'web', namespace: 'b' },
        spec: {
          podSelector: { matchLabels: { role: 'web' } },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'a' } },
                  podSelector: { matchLabels: { app: 'client' } },
                },
              ],
              ports: [{ port: 'http' }],
            },
            { from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }], ports: [{ port: 9000 }] },
          ],
        },
      },
    ];
    const verdicts = await analyze(analyzer.located!.binary, model(policies), [
      check(inA({ app: 'client' }), inB({ role: 'web' }), 8080, 'http'),
      check(inA({ app: 'client' }), inB({ role: 'web' }), 8080, 'other'),
      check(inA({ app: 'other' }), inB({ role: 'web' }), 8080, 'http'),
      check({ kind: 'address', ip: '10.0.3.1', label: 'vpc' }, inB({ role: 'web' }), 9000),
      check({ kind: 'address', ip: '10.0.1.1', label: 'excepted' }, inB({ role: 'web' }), 9000),
      check(inA({}), inB({ role: 'db' }), 5432),
    ]);
    expect(verdicts.map((v) => v.allowed)).toEqual([true, false, false, true, false, false]);
    expect(verdicts[0]!.ingress).toEqual({ allowed: true, selectedBy: ['b/deny', 'b/web'], allowedBy: ['b/web'] });
    expect(verdicts[5]!.ingress).toEqual({ allowed: false, selectedBy: ['b/deny'], allowedBy: [] });
    // No policy selects the source: its egress is open.
    expect(verdicts[5]!.egress).toEqual({ allowed: true, selectedBy: [], allowedBy: [] });
  });
});
