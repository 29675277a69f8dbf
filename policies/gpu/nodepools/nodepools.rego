# METADATA
# title: Karpenter NodePools are bounded; GPU pools tainted and restricted to chosen families
# description: >-
#   Every Karpenter NodePool sets limits (a runaway deployment otherwise buys instances until the
#   account's quota stops it) and disruption budgets (otherwise consolidation may replace every
#   node at once). A GPU pool (GPU taint, GPU limit, GPU requirements or a pool named in
#   policies/data/gpu.yaml) also carries the nvidia.com/gpu NoSchedule taint, caps nvidia.com/gpu,
#   and lists its instance families with an In requirement on karpenter.k8s.aws/instance-family,
#   so that a new, larger family does not appear on the bill by itself. And a GPU pool's nodes
#   never expire (expireAfter Never, no terminationGracePeriod): expiry is forceful in Karpenter
#   v1, outside the disruption budgets and without a replacement first, and nodes launched
#   together expire together; a grace period then deletes even do-not-disrupt pods. New AMIs
#   reach GPU nodes by drift instead, one node at a time under the budget.
# custom:
#   id: GPU-005
#   severity: high
#   kinds: [NodePool]
#   input: object
package gpu.nodepools

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	is_nodepool
	count(object.get(input, ["spec", "limits"], {})) == 0
	msg := "sets no limits; cap what it may launch (cpu, memory, and nvidia.com/gpu for GPU pools)"
}

problems contains {"object": input, "msg": msg} if {
	is_nodepool
	count(object.get(input, ["spec", "disruption", "budgets"], [])) == 0
	msg := "sets no disruption budgets; add spec.disruption.budgets (for example nodes: \"1\" for GPU pools)"
}

problems contains {"object": input, "msg": msg} if {
	is_gpu_pool
	not gpu_taint
	msg := "is a GPU pool without the taint nvidia.com/gpu:NoSchedule; add it to spec.template.spec.taints so only GPU pods land there"
}

problems contains {"object": input, "msg": msg} if {
	is_gpu_pool
	not input.spec.limits["nvidia.com/gpu"]
	msg := "is a GPU pool without a GPU cap; set spec.limits nvidia.com/gpu"
}

problems contains {"object": input, "msg": msg} if {
	is_gpu_pool
	not family_allow_list
	msg := "is a GPU pool without an instance-family allow-list; add a requirement karpenter.k8s.aws/instance-family In [...]"
}

problems contains {"object": input, "msg": msg} if {
	is_gpu_pool
	expire := object.get(input, ["spec", "template", "spec", "expireAfter"], "unset, so Karpenter's default 720h")
	expire != "Never"
	msg := sprintf("is a GPU pool whose nodes expire (expireAfter %s); set expireAfter: Never and let AMI upgrades arrive by drift, within the disruption budget", [expire])
}

problems contains {"object": input, "msg": msg} if {
	is_gpu_pool
	grace := input.spec.template.spec.terminationGracePeriod
	msg := sprintf("is a GPU pool with terminationGracePeriod %s, after which Karpenter deletes even do-not-disrupt pods and ignores their budget; remove it so drains wait for the PodDisruptionBudget", [grace])
}

is_nodepool if {
	k8s.is_object_input(input)
	input.kind == "NodePool"
	k8s.group(input) == "karpenter.sh"
}

default gpu_pools := ["gpu"]

gpu_pools := data.gpu_nodepools

requirements := object.get(input, ["spec", "template", "spec", "requirements"], []) if is_nodepool

gpu_requirement_keys := {
	"karpenter.k8s.aws/instance-gpu-count",
	"karpenter.k8s.aws/instance-gpu-manufacturer",
	"karpenter.k8s.aws/instance-gpu-name",
	"karpenter.k8s.aws/instance-gpu-memory",
}

is_gpu_pool if {
	is_nodepool
	some taint in object.get(input, ["spec", "template", "spec", "taints"], [])
	taint.key == "nvidia.com/gpu"
}

is_gpu_pool if {
	is_nodepool
	input.spec.limits["nvidia.com/gpu"]
}

is_gpu_pool if {
	is_nodepool
	some requirement in requirements
	requirement.key in gpu_requirement_keys
}

is_gpu_pool if {
	is_nodepool
	k8s.name(input) in gpu_pools
}

gpu_taint if {
	some taint in object.get(input, ["spec", "template", "spec", "taints"], [])
	taint.key == "nvidia.com/gpu"
	taint.effect == "NoSchedule"
}

family_allow_list if {
	some requirement in requirements
	requirement.key == "karpenter.k8s.aws/instance-family"
	requirement.operator == "In"
	count(requirement.values) > 0
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
