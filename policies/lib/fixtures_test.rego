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

# The chart's estimate of a model server's time to ready (WL-002), as its annotation's JSON.
time_to_ready(engine_start, first_replica) := json.marshal({
	"engineStartSeconds": engine_start,
	"family": "p5",
	"firstReplicaSeconds": first_replica,
	"loadFrom": "efs",
	"scaleUpSeconds": first_replica - 60,
})

# A model server: one GPU, start-up budget 450 s for an engine start estimated at 200 s (300 s
# needed, the floor), progress deadline 600 s (the default) for a first replica in 420 s.
model_server := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {
		"name": "demo",
		"namespace": "llm-demo",
		"labels": {"app.kubernetes.io/component": "model-server", "app.kubernetes.io/instance": "demo"},
		"annotations": {
			"eks-llm-gitops.io/parameters-billions": "8",
			"eks-llm-gitops.io/time-to-ready": time_to_ready(200, 420),
		},
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

# A model larger than one node: a LeaderWorkerSet of groups of two pods with 8 GPUs each, whose
# leader serves HTTP (probes, ports) and whose worker runs vLLM headless (neither). Start-up
# budget 450 s for an engine start estimated at 400 s; each group stays in one zone (EFA).
lws_container := object.union(model_server.spec.template.spec.containers[0], {
	"resources": {
		"requests": {"cpu": "160", "memory": "1632Gi", "nvidia.com/gpu": 8, "vpc.amazonaws.com/efa": 32},
		"limits": {"cpu": "160", "memory": "1632Gi", "nvidia.com/gpu": 8, "vpc.amazonaws.com/efa": 32},
	},
	"volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}, {"name": "tmp", "mountPath": "/tmp"}],
})

lws_leader_container := object.union(lws_container, {"args": ["--port", "8000"]})

lws_worker_container := object.union(
	object.remove(lws_container, ["readinessProbe", "livenessProbe", "startupProbe", "ports"]),
	{"args": ["--port", "8000", "--headless"]},
)

lws_labels := {"app.kubernetes.io/component": "model-server", "app.kubernetes.io/instance": "big", "app.kubernetes.io/version": "v2026.11.1"}

lws_pod_spec := object.union(
	object.remove(model_server.spec.template.spec, ["topologySpreadConstraints", "initContainers"]),
	{
		"serviceAccountName": "big",
		"terminationGracePeriodSeconds": 330,
		"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
			"labelSelector": {"matchLabels": {"leaderworkerset.sigs.k8s.io/name": "big"}},
			"matchLabelKeys": ["leaderworkerset.sigs.k8s.io/group-key"],
			"topologyKey": "topology.kubernetes.io/zone",
		}]}},
		"volumes": [
			{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "32Gi"}},
			{"name": "tmp", "emptyDir": {}},
		],
	},
)

lws_template(container) := {
	"metadata": {"labels": lws_labels, "annotations": {"karpenter.sh/do-not-disrupt": "30m"}},
	"spec": object.union(lws_pod_spec, {"containers": [container]}),
}

lws_model_server := {
	"apiVersion": "leaderworkerset.x-k8s.io/v1",
	"kind": "LeaderWorkerSet",
	"metadata": {
		"name": "big",
		"namespace": "llm-big",
		"labels": lws_labels,
		"annotations": {"eks-llm-gitops.io/time-to-ready": time_to_ready(400, 1000)},
	},
	"spec": {
		"replicas": 2,
		"startupPolicy": "LeaderCreated",
		"rolloutStrategy": {"type": "RollingUpdate", "rollingUpdateConfiguration": {"maxSurge": 1, "maxUnavailable": 0}},
		"leaderWorkerTemplate": {
			"size": 2,
			"restartPolicy": "RecreateGroupOnPodRestart",
			"leaderTemplate": lws_template(lws_leader_container),
			"workerTemplate": lws_template(lws_worker_container),
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

# A warm-capacity placeholder (lib/k8s.rego is_placeholder), as apps/warm-capacity/ renders it:
# one pod holding a p5's eight GPUs, sleeping in the engine image at the placeholder priority
# class, evicted at once. It passes every per-object rule in production.
placeholder_labels := {"app.kubernetes.io/component": "warm-capacity", "app.kubernetes.io/name": "placeholder", "llm-platform/warm-pool": "gpu"}

placeholder_probe := {"exec": {"command": ["true"]}, "periodSeconds": 60}

placeholder := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "gpu-8-gpus", "namespace": "warm-capacity", "labels": placeholder_labels},
	"spec": {
		"replicas": 1,
		"selector": {"matchLabels": placeholder_labels},
		"template": {
			"metadata": {"labels": placeholder_labels},
			"spec": {
				"priorityClassName": "llm-warm-capacity",
				"terminationGracePeriodSeconds": 0,
				"automountServiceAccountToken": false,
				"enableServiceLinks": false,
				"securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "runAsGroup": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
				"nodeSelector": {"karpenter.sh/nodepool": "gpu"},
				"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
				"containers": [{
					"name": "image-0",
					"image": sprintf("777788889999.dkr.ecr.us-west-2.amazonaws.com/docker-hub/vllm/vllm-openai:v0.28.0@%s", [digest]),
					"command": ["sleep", "infinity"],
					"env": identity_env("placeholder"),
					"resources": {
						"requests": {"cpu": "100m", "memory": "64Mi", "nvidia.com/gpu": 8},
						"limits": {"cpu": "100m", "memory": "64Mi", "nvidia.com/gpu": 8},
					},
					"readinessProbe": placeholder_probe,
					"livenessProbe": placeholder_probe,
					"securityContext": restricted,
				}],
			},
		},
	},
}

# The priority class placeholders run at (policies/data/gpu.yaml gpu_placeholders).
placeholder_priority_class := {
	"apiVersion": "scheduling.k8s.io/v1",
	"kind": "PriorityClass",
	"metadata": {"name": "llm-warm-capacity"},
	"value": -10,
	"preemptionPolicy": "Never",
	"globalDefault": false,
}
