# METADATA
# title: Production runs at least two replicas
# description: >-
#   In production environments (policies/data/environments.yaml), Deployments, StatefulSets and
#   LeaderWorkerSets (whose replicas are groups of pods) that set replicas set at least 2, and
#   autoscalers (KEDA ScaledObjects, HPAs) keep at least 2. With one replica every node drain,
#   crash or rollout is an outage of that model. Warm-capacity placeholders (lib/k8s.rego
#   is_placeholder) are exempt: their replicas are the number of warm nodes cluster.yaml asks for,
#   capacity rather than availability, and losing one is what they are for. An autoscaler is not.
# custom:
#   id: WL-009
#   severity: high
#   kinds: [Deployment, Rollout, StatefulSet, LeaderWorkerSet, ScaledObject, HorizontalPodAutoscaler]
#   input: object
package workload.prod_min_replicas

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	policy.is_production
	k8s.is_object_input(input)
	input.kind in k8s.replicated_kinds
	not k8s.is_placeholder(input)
	input.spec.replicas < 2
	msg := sprintf("runs %v replica(s) in %s; set replicas: 2 or more", [input.spec.replicas, policy.environment])
}

problems contains {"object": input, "msg": msg} if {
	policy.is_production
	k8s.is_object_input(input)
	input.kind == "ScaledObject"
	minimum := object.get(input.spec, "minReplicaCount", 0)
	minimum < 2
	msg := sprintf("keeps minReplicaCount %v in %s (0 when unset); set it to 2 or more", [minimum, policy.environment])
}

problems contains {"object": input, "msg": msg} if {
	policy.is_production
	k8s.is_object_input(input)
	input.kind == "HorizontalPodAutoscaler"
	minimum := object.get(input.spec, "minReplicas", 1)
	minimum < 2
	msg := sprintf("keeps minReplicas %v in %s (1 when unset); set it to 2 or more", [minimum, policy.environment])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
