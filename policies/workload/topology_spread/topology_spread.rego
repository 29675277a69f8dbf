# METADATA
# title: Replicated workloads spread across zones; a multi-node group stays in one
# description: >-
#   A Deployment or StatefulSet that can run more than one replica (replicas > 1, or replicas left
#   to an autoscaler) has a topologySpreadConstraint on topology.kubernetes.io/zone. Otherwise the
#   scheduler may put every replica in one Availability Zone, and one zone's outage (or a capacity
#   shortage of GPU instances in it) takes the whole model down. A LeaderWorkerSet whose groups
#   span several pods is judged the other way round: each group stays in one zone (a required
#   podAffinity on topology.kubernetes.io/zone keyed by matchLabelKeys
#   leaderworkerset.sigs.k8s.io/group-key, LWS's exclusive-topology annotation on the zone, or a
#   node selector pinning one zone), because EFA and NCCL traffic does not cross zones. Its
#   groups need no zone spread constraint: the leader and worker templates share their pod-level
#   fields (WL-010), so a constraint would bind the workers too and fight their group's zone
#   affinity; spreading groups is left to the scheduler and to GPU capacity.
# custom:
#   id: WL-006
#   severity: medium
#   kinds: [Deployment, Rollout, StatefulSet, LeaderWorkerSet]
#   input: object
package workload.topology_spread

import data.lib.k8s
import data.lib.policy

zone := "topology.kubernetes.io/zone"

exclusive_topology := "leaderworkerset.sigs.k8s.io/exclusive-topology"

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in {"Deployment", "Rollout", "StatefulSet"}
	may_run_several(input)
	not zone_spread(input)
	msg := "may run several replicas but has no topologySpreadConstraints on topology.kubernetes.io/zone; add one (maxSkew 1) selecting its pods"
}

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "LeaderWorkerSet"
	k8s.lws_size(input) > 1
	not group_in_one_zone(input)
	msg := sprintf("runs groups of %v pods that may land in different zones, where EFA does not reach; keep each group in one zone: a required podAffinity on %s with matchLabelKeys [%s] (or the annotation %s: %s)", [k8s.lws_size(input), zone, k8s.lws_group_key_label, exclusive_topology, zone])
}

may_run_several(obj) if obj.spec.replicas > 1

may_run_several(obj) if not k8s.has_key(obj.spec, "replicas")

zone_spread(obj) if {
	some constraint in object.get(k8s.pod_spec(obj), "topologySpreadConstraints", [])
	constraint.topologyKey == zone
}

group_in_one_zone(obj) if k8s.annotations(obj)[exclusive_topology] == zone

group_in_one_zone(obj) if {
	some term in object.get(k8s.pod_spec(obj), ["affinity", "podAffinity", "requiredDuringSchedulingIgnoredDuringExecution"], [])
	term.topologyKey == zone
	k8s.lws_group_key_label in object.get(term, "matchLabelKeys", [])
}

group_in_one_zone(obj) if count(object.get(k8s.pod_spec(obj), ["nodeSelector", zone], "")) > 0

group_in_one_zone(obj) if {
	some term in object.get(k8s.pod_spec(obj), ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"], [])
	some expression in object.get(term, "matchExpressions", [])
	expression.key == zone
	expression.operator == "In"
	count(expression.values) == 1
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
