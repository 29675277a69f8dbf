# METADATA
# title: Replicated workloads spread across zones
# description: >-
#   A Deployment or StatefulSet that can run more than one replica (replicas > 1, or replicas left
#   to an autoscaler) has a topologySpreadConstraint on topology.kubernetes.io/zone. Otherwise the
#   scheduler may put every replica in one Availability Zone, and one zone's outage (or a capacity
#   shortage of GPU instances in it) takes the whole model down.
# custom:
#   id: WL-006
#   severity: medium
#   kinds: [Deployment, StatefulSet]
#   input: object
package workload.topology_spread

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in {"Deployment", "StatefulSet"}
	may_run_several(input)
	not zone_spread(input)
	msg := "may run several replicas but has no topologySpreadConstraints on topology.kubernetes.io/zone; add one (maxSkew 1) selecting its pods"
}

may_run_several(obj) if obj.spec.replicas > 1

may_run_several(obj) if not k8s.has_key(obj.spec, "replicas")

zone_spread(obj) if {
	some constraint in object.get(k8s.pod_spec(obj), "topologySpreadConstraints", [])
	constraint.topologyKey == "topology.kubernetes.io/zone"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
