# METADATA
# title: PodDisruptionBudgets allow drains
# description: >-
#   A PodDisruptionBudget with maxUnavailable 0 (or 0%), or minAvailable 100%, forbids every
#   voluntary eviction: node drains for upgrades, Karpenter consolidation and expiry wait forever
#   and the GPU node they hold keeps billing. Allow at least one pod to go (maxUnavailable 1). A
#   minAvailable equal to the workload's replicas is caught by the combined rule CMB-001.
# custom:
#   id: WL-005
#   severity: high
#   kinds: [PodDisruptionBudget]
#   input: object
package workload.pdb_drains

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "PodDisruptionBudget"
	zero(input.spec.maxUnavailable)
	msg := sprintf("maxUnavailable is %v, so no pod may ever be evicted and node drains hang; set maxUnavailable: 1", [input.spec.maxUnavailable])
}

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "PodDisruptionBudget"
	input.spec.minAvailable == "100%"
	msg := "minAvailable is 100%, so no pod may ever be evicted and node drains hang; set maxUnavailable: 1 instead"
}

zero(value) if value == 0

zero(value) if value in {"0", "0%"}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
