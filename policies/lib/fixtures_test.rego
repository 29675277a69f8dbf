# Objects the policy tests start from: each passes every per-object rule in production, so a test
# changes one thing (json.patch) and expects exactly the finding that change causes.
package lib.fixtures

digest := "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

restricted := {
	"allowPrivilegeEscalation": false,
	"capabilities": {"drop": ["ALL"]},
	"readOnlyRootFilesystem": true,
	"runAsNonRoot": true,
}

probe(period, failures) := {
	"httpGet": {"path": "/health", "port": "http"},
	"periodSeconds": period,
	"failureThreshold": failures,
}

# A model server: one GPU, start-up budget 450 s for 8 billion parameters (420 s needed).
model_server := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {
		"name": "demo",
		"namespace": "llm-demo",
		"labels": {"app.kubernetes.io/component": "model-server", "app.kubernetes.io/instance": "demo"},
		"annotations": {"eks-llm-gitops.io/parameters-billions": "8"},
	},
	"spec": {
		"selector": {"matchLabels": {"app.kubernetes.io/instance": "demo"}},
		"template": {
			"metadata": {
				"labels": {"app.kubernetes.io/component": "model-server", "app.kubernetes.io/instance": "demo"},
				"annotations": {"karpenter.sh/do-not-disrupt": "30m"},
			},
			"spec": {
				"automountServiceAccountToken": false,
				"serviceAccountName": "demo",
				"securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
				"terminationGracePeriodSeconds": 150,
				"nodeSelector": {"karpenter.sh/nodepool": "gpu"},
				"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
				"topologySpreadConstraints": [{
					"maxSkew": 1,
					"topologyKey": "topology.kubernetes.io/zone",
					"whenUnsatisfiable": "ScheduleAnyway",
					"labelSelector": {"matchLabels": {"app.kubernetes.io/instance": "demo"}},
				}],
				"initContainers": [{
					"name": "model-cache-fill",
					"image": sprintf("public.ecr.aws/aws-cli/aws-cli:2.27.0@%s", [digest]),
					"env": identity_env("vllm"),
					"resources": {
						"requests": {"cpu": "1", "memory": "1Gi"},
						"limits": {"cpu": "1", "memory": "1Gi"},
					},
					"securityContext": restricted,
				}],
				"containers": [{
					"name": "vllm",
					"image": sprintf("777788889999.dkr.ecr.us-west-2.amazonaws.com/docker-hub/vllm/vllm-openai:v0.28.0@%s", [digest]),
					"env": identity_env("vllm"),
					"ports": [{"name": "http", "containerPort": 8000}],
					"resources": {
						"requests": {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": 1},
						"limits": {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": 1},
					},
					"readinessProbe": probe(10, 3),
					"livenessProbe": probe(30, 5),
					"startupProbe": probe(10, 45),
					"lifecycle": {"preStop": {"sleep": {"seconds": 120}}},
					"securityContext": restricted,
				}],
				"volumes": [{"name": "tmp", "emptyDir": {}}],
			},
		},
	},
}

# A CPU service (the gateway): two replicas, no GPU, general-purpose nodes.
web := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "gateway", "namespace": "gateway", "labels": {"app.kubernetes.io/name": "gateway"}},
	"spec": {
		"replicas": 2,
		"selector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}},
		"template": {
			"metadata": {"labels": {"app.kubernetes.io/name": "gateway"}},
			"spec": {
				"automountServiceAccountToken": false,
				"securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
				"topologySpreadConstraints": [{
					"maxSkew": 1,
					"topologyKey": "topology.kubernetes.io/zone",
					"whenUnsatisfiable": "ScheduleAnyway",
					"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}},
				}],
				"containers": [{
					"name": "gateway",
					"image": sprintf("777788889999.dkr.ecr.us-west-2.amazonaws.com/gateway:1.2.3@%s", [digest]),
					"env": identity_env("gateway"),
					"ports": [{"name": "http", "containerPort": 4000}],
					"resources": {
						"requests": {"cpu": "1", "memory": "1Gi"},
						"limits": {"cpu": "1", "memory": "1Gi"},
					},
					"readinessProbe": probe(10, 3),
					"livenessProbe": probe(30, 5),
					"securityContext": restricted,
				}],
			},
		},
	},
}

# The policy ids of a set of findings.
ids(findings) := {f.policy | some f in findings}

# Wrap documents as the input of `conftest --combine`.
combined(documents) := [{"path": sprintf("doc-%d.yaml", [i]), "contents": doc} | some i, doc in documents]

# HOME, USER and LOGNAME: who a container running as a uid its image does not define is (SEC-008).
identity_env(user) := [
	{"name": "HOME", "value": "/tmp"},
	{"name": "USER", "value": user},
	{"name": "LOGNAME", "value": user},
]
