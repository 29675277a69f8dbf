# METADATA
# title: GPU pods go to GPU NodePools, and only GPU pods do
# description: >-
#   A pod that asks for GPUs tolerates the nvidia.com/gpu NoSchedule taint and selects a GPU
#   NodePool (karpenter.sh/nodepool, pools listed in policies/data/gpu.yaml, gpu_nodepools), so Karpenter
#   launches the right instance for it. A pod that asks for no GPU neither tolerates that taint
#   nor selects a GPU pool: GPU nodes are the expensive ones, and a sidecar or batch job parked on
#   one can keep a whole p5 from scaling in. DaemonSets are exempt: node agents such as the device
#   plugin and the DCGM exporter must run on GPU nodes and place themselves.
# custom:
#   id: GPU-002
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package gpu.gpu_placement

import data.lib.k8s
import data.lib.policy

default gpu_pools := ["gpu"]

gpu_pools := data.gpu_nodepools

problems contains {"object": input, "msg": msg} if {
	placed_workload
	k8s.pod_gpus(input) > 0
	not tolerates_gpu_taint(k8s.pod_spec(input))
	msg := "asks for GPUs but does not tolerate the nvidia.com/gpu:NoSchedule taint of GPU nodes; add the toleration (operator Exists)"
}

problems contains {"object": input, "msg": msg} if {
	placed_workload
	k8s.pod_gpus(input) > 0
	not selects_only_gpu_pools(k8s.pod_spec(input))
	msg := sprintf("asks for GPUs but does not select a GPU NodePool; set nodeSelector karpenter.sh/nodepool to one of %s", [concat(", ", gpu_pools)])
}

problems contains {"object": input, "msg": msg} if {
	placed_workload
	k8s.pod_gpus(input) == 0
	tolerates_gpu_taint(k8s.pod_spec(input))
	msg := "asks for no GPU but tolerates the GPU taint, so it may park on a GPU node; remove the toleration"
}

problems contains {"object": input, "msg": msg} if {
	placed_workload
	k8s.pod_gpus(input) == 0
	selects_a_gpu_pool(k8s.pod_spec(input))
	msg := "asks for no GPU but selects a GPU NodePool; select a general-purpose pool"
}

placed_workload if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	input.kind != "DaemonSet"
}

# The GPU taint, whatever its value, or every taint (a toleration with no key and Exists).
tolerates_gpu_taint(spec) if {
	some toleration in object.get(spec, "tolerations", [])
	toleration.key == "nvidia.com/gpu"
	object.get(toleration, "effect", "") in {"", "NoSchedule"}
	object.get(toleration, "operator", "Equal") == "Exists"
}

tolerates_gpu_taint(spec) if {
	some toleration in object.get(spec, "tolerations", [])
	toleration.key == "nvidia.com/gpu"
	object.get(toleration, "effect", "") in {"", "NoSchedule"}
	object.get(toleration, "operator", "Equal") == "Equal"
	toleration.value == "true"
}

tolerates_gpu_taint(spec) if {
	some toleration in object.get(spec, "tolerations", [])
	not toleration.key
	toleration.operator == "Exists"
}

selects_only_gpu_pools(spec) if spec.nodeSelector["karpenter.sh/nodepool"] in gpu_pools

selects_only_gpu_pools(spec) if {
	some expression in pool_expressions(spec)
	count(expression.values) > 0
	every pool in expression.values {
		pool in gpu_pools
	}
}

selects_a_gpu_pool(spec) if spec.nodeSelector["karpenter.sh/nodepool"] in gpu_pools

selects_a_gpu_pool(spec) if {
	some expression in pool_expressions(spec)
	some pool in expression.values
	pool in gpu_pools
}

# Required node-affinity expressions `karpenter.sh/nodepool In [...]`.
pool_expressions(spec) := [expression |
	some term in object.get(spec, ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"], [])
	some expression in object.get(term, "matchExpressions", [])
	expression.key == "karpenter.sh/nodepool"
	expression.operator == "In"
]

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
