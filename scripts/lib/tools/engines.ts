/**
 * The engines the gates wrap: Go programs built from source at pinned versions by `npm run
 * tools`. Each lives in its own module under tools/<name>/ (go.mod + go.sum), so it is built
 * against exactly the dependency versions its maintainers released it with; the pinned version is
 * the one that go.mod requires, never written twice.
 */
export interface Engine {
  /** The binary's name in .tools/bin/, and its tools/<name>/ folder. */
  readonly name: string;
  /** The Go module that provides it (its version in tools/<name>/go.mod is the pin). */
  readonly module: string;
  /**
   * The main package to build: a package of the module, or "." for a small wrapper main in
   * tools/<name>/ itself (an engine used as a library, with a command line the gate needs).
   */
  readonly pkg: string;
  /** The variable that names a binary to use instead of the one on PATH. */
  readonly variable: string;
  /**
   * Linker flags that stamp the version the way the project's own release build does (its
   * .goreleaser file), so that the binary reports the version it is. `version` is "v1.2.3".
   */
  ldflags(version: string): string[];
  /** Arguments that make the binary print its version (and exit 0). */
  readonly versionArgs: readonly string[];
  /** Where the binary prints it. @default 'stdout' */
  readonly versionOn?: 'stdout' | 'stderr';
  /** The version ("v1.2.3") in what `versionArgs` printed, undefined when it is not there. */
  parseVersion(output: string): string | undefined;
  /** Go build tags, as the project's release build or a documented slim build sets them. */
  readonly tags?: readonly string[];
  /** What the gates use it for (for --help and the README). */
  readonly purpose: string;
}

/**
 * Prometheus's Go module versions its 3.x releases as v0.3XX.Y (3.16.0 is v0.316.0): the
 * release version its binaries report, from the module version that pins it, and back.
 */
const prometheusRelease = (version: string) => {
  const [minor, patch] = version.replace(/^v0\./, '').split('.').map(Number) as [number, number];
  return `${Math.floor(minor / 100)}.${minor % 100}.${patch}`;
};
const prometheusModuleVersion = (pattern: RegExp) => (output: string) => {
  const found = pattern.exec(output);
  return found === null ? undefined : `v0.${Number(found[1]) * 100 + Number(found[2])}.${found[3]}`;
};
/** As Prometheus's .promu.yml stamps a release; the revision, branch, user and date left fixed so that builds are reproducible. */
const prometheusLdflags = (version: string) => [
  `-X github.com/prometheus/common/version.Version=${prometheusRelease(version)}`,
  '-X github.com/prometheus/common/version.Branch=HEAD',
  '-X github.com/prometheus/common/version.BuildUser=eks-llm-gitops',
  '-X github.com/prometheus/common/version.BuildDate=19700101-00:00:00',
];
/**
 * remove_all_sd: no service-discovery plugin (AWS, Azure, GCE, Kubernetes...) is linked in, a
 * build Prometheus documents (plugins/*.go, "enable_<name>_sd" adds one back); the tests give
 * Prometheus blocks and static targets only, and the build takes minutes less.
 */
const PROMETHEUS_TAGS = ['remove_all_sd'];

const semver = (pattern: RegExp) => (output: string) => {
  const found = pattern.exec(output)?.[1];
  return found === undefined ? undefined : `v${found}`;
};

export const ENGINES: readonly Engine[] = [
  {
    name: 'conftest',
    module: 'github.com/open-policy-agent/conftest',
    pkg: 'github.com/open-policy-agent/conftest',
    variable: 'CONFTEST',
    ldflags: (version) => [`-X github.com/open-policy-agent/conftest/internal/version.Version=${version.slice(1)}`],
    versionArgs: ['--version'],
    parseVersion: semver(/^Conftest: (\d+\.\d+\.\d+)$/m),
    purpose: 'runs the Rego policy pack (npm run policy, policy:test)',
  },
  {
    name: 'opa',
    module: 'github.com/open-policy-agent/opa',
    pkg: 'github.com/open-policy-agent/opa',
    variable: 'OPA',
    // OPA's version is a constant in its source, set at release.
    ldflags: () => [],
    versionArgs: ['version'],
    parseVersion: semver(/^Version: (\d+\.\d+\.\d+)$/m),
    purpose: 'strict compile and format checks of the pack (npm run policy:test)',
  },
  {
    name: 'kubeconform',
    module: 'github.com/yannh/kubeconform',
    pkg: 'github.com/yannh/kubeconform/cmd/kubeconform',
    variable: 'KUBECONFORM',
    ldflags: (version) => [`-X main.version=${version}`],
    versionArgs: ['-v'],
    parseVersion: semver(/^v(\d+\.\d+\.\d+)$/m),
    purpose: 'the schema cross-check (npm run validate -- --engine kubeconform, check)',
  },
  {
    name: 'actionlint',
    module: 'github.com/rhysd/actionlint',
    pkg: 'github.com/rhysd/actionlint/cmd/actionlint',
    variable: 'ACTIONLINT',
    ldflags: (version) => [`-X github.com/rhysd/actionlint.version=${version.slice(1)}`],
    versionArgs: ['-version'],
    parseVersion: semver(/^(\d+\.\d+\.\d+)$/m),
    purpose: 'lints the GitHub workflows (the workflow tests)',
  },
  {
    name: 'kube-apiserver',
    module: 'k8s.io/kubernetes',
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
    variable: 'KUBE_APISERVER',
    // As hack/lib/version.sh stamps a release, with a fixed build date so that builds are reproducible.
    ldflags: (version) => {
      const [major, minor] = version.slice(1).split('.');
      return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
        `-X ${pkg}.gitVersion=${version}`,
        `-X ${pkg}.gitMajor=${major}`,
        `-X ${pkg}.gitMinor=${minor}`,
        `-X ${pkg}.gitTreeState=clean`,
        `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
      ]);
    },
    versionArgs: ['--version'],
    parseVersion: semver(/^Kubernetes v(\d+\.\d+\.\d+)$/m),
    purpose: "the API server the GitOps sync is replayed on (npm run sync-test), the cluster's minor version",
  },
  {
    name: 'etcd',
    module: 'go.etcd.io/etcd/server/v3',
    pkg: 'go.etcd.io/etcd/server/v3',
    variable: 'ETCD',
    // etcd's version is a constant in its source (go.etcd.io/etcd/api/v3/version).
    ldflags: () => [],
    versionArgs: ['--version'],
    parseVersion: semver(/^etcd Version: (\d+\.\d+\.\d+)$/m),
    purpose: "the API server's store (the etcd that Kubernetes release is tested with)",
  },
  {
    name: 'netpol-analyzer',
    module: 'github.com/mattfenwick/cyclonus',
    // tools/netpol-analyzer/main.go: cyclonus's NetworkPolicy engine (pkg/matcher) over a batch of
    // flows, answered in JSON; cyclonus's own CLI prints tables for one flow file at a time.
    pkg: '.',
    variable: 'NETPOL_ANALYZER',
    ldflags: (version) => [`-X main.version=${version}`],
    versionArgs: ['--version'],
    parseVersion: semver(/^netpol-analyzer \(cyclonus v(\d+\.\d+\.\d+)\)$/m),
    purpose: 'decides which flows the NetworkPolicies allow (npm run netpol, check)',
  },
  {
    name: 'epp',
    module: 'sigs.k8s.io/gateway-api-inference-extension',
    pkg: 'sigs.k8s.io/gateway-api-inference-extension/cmd/epp',
    variable: 'EPP',
    // As the release image is built (its Dockerfile's -X flags, BUILD_REF being the release tag);
    // the commit SHA it also stamps is not known from the version alone, and is left empty.
    ldflags: (version) => [`-X sigs.k8s.io/gateway-api-inference-extension/version.BuildRef=${version}`],
    // The EPP has no --version: its first act is to log its build (before parsing flags), then
    // --help prints the flags and exits 0, both on stderr, without touching a cluster.
    versionArgs: ['--help'],
    versionOn: 'stderr',
    parseVersion: semver(/"msg":"GIE build".*"build-ref":"v(\d+\.\d+\.\d+)"/),
    purpose: "the Gateway API Inference Extension's endpoint picker, run by the routing test (test/routing.test.ts)",
  },
  {
    name: 'ext-proc-client',
    module: 'github.com/envoyproxy/go-control-plane/envoy',
    // tools/ext-proc-client/main.go: plays Envoy's side of ext-proc against the endpoint picker
    // (headers, then the body FULL_DUPLEX_STREAMED) and prints the endpoint it picked per request.
    pkg: '.',
    variable: 'EXT_PROC_CLIENT',
    ldflags: (version) => [`-X main.version=${version}`],
    versionArgs: ['--version'],
    parseVersion: semver(/^ext-proc-client \(go-control-plane envoy v(\d+\.\d+\.\d+)\)$/m),
    purpose: "asks the endpoint picker where each request goes, as Envoy's ext_proc filter does (the routing test)",
  },
  {
    name: 'prometheus',
    module: 'github.com/prometheus/prometheus',
    pkg: 'github.com/prometheus/prometheus/cmd/prometheus',
    variable: 'PROMETHEUS',
    ldflags: prometheusLdflags,
    tags: PROMETHEUS_TAGS,
    versionArgs: ['--version'],
    parseVersion: prometheusModuleVersion(/^prometheus, version (\d+)\.(\d+)\.(\d+)/m),
    purpose: 'answers every PromQL query the render and npm run promote use over a backfilled soak window (the SLO tests)',
  },
  {
    name: 'promtool',
    module: 'github.com/prometheus/prometheus',
    pkg: 'github.com/prometheus/prometheus/cmd/promtool',
    variable: 'PROMTOOL',
    ldflags: prometheusLdflags,
    tags: PROMETHEUS_TAGS,
    versionArgs: ['--version'],
    parseVersion: prometheusModuleVersion(/^promtool, version (\d+)\.(\d+)\.(\d+)/m),
    purpose: 'backfills synthetic metrics into Prometheus blocks (tsdb create-blocks-from openmetrics) for the SLO tests',
  },
];

export type EngineName =
  | 'conftest'
  | 'opa'
  | 'kubeconform'
  | 'actionlint'
  | 'kube-apiserver'
  | 'etcd'
  | 'netpol-analyzer'
  | 'epp'
  | 'ext-proc-client'
  | 'prometheus'
  | 'promtool';

export function engineNamed(name: EngineName): Engine {
  const engine = ENGINES.find((e) => e.name === name);
  if (!engine) throw new Error(`no engine named ${name}`);
  return engine;
}
