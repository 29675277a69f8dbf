# METADATA
# title: Every share of a model's route reaches pods that serve it, and only one track's
# description: >-
#   Over one environment: every InferencePool that an HTTPRoute rule gives a share of the
#   requests (a backendRef of kind InferencePool whose weight is above 0; Gateway API's default
#   weight is 1) exists in the route's namespace and selects the serving pods (a
#   LeaderWorkerSet's leaders; a Rollout's stable pods) of a workload rendered there: a share
#   sent to a pool with no pods fails (the endpoint picker answers 503), as when a multi-node
#   model's canary share is set and its LeaderWorkerSet is missing. And no workload's serving
#   pods are selected by two pools of the same rule: that workload's version would take both
#   shares, so the canary's weight would not be the share its version gets (the pools must tell
#   the tracks apart, by the eks-llm-gitops.io/track label).
# custom:
#   id: CMB-011
#   severity: high
#   kinds: [HTTPRoute, InferencePool, Deployment, Rollout, LeaderWorkerSet]
#   input: combined
package network.weighted_pools

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

pool_group := "inference.networking.k8s.io"

pool_refs(rule) := [ref |
	some ref in object.get(rule, "backendRefs", [])
	object.get(ref, "group", "") == pool_group
	object.get(ref, "kind", "") == "InferencePool"
]

routes := [route | some route in objects; route.kind == "HTTPRoute"]

workloads(namespace) := [workload |
	some workload in objects
	workload.kind in {"Deployment", "Rollout", "LeaderWorkerSet"}
	k8s.namespace(workload) == namespace
]

pools_named(namespace, name) := [pool |
	some pool in objects
	pool.kind == "InferencePool"
	k8s.namespace(pool) == namespace
	k8s.name(pool) == name
]

selects(pool, workload) if k8s.map_selector_matches(object.get(pool, ["spec", "selector", "matchLabels"], {}), k8s.serving_pod_labels(workload))

problems contains {"object": route, "msg": msg} if {
	some route in routes
	some rule in object.get(route, ["spec", "rules"], [])
	some ref in pool_refs(rule)
	object.get(ref, "weight", 1) > 0
	count(pools_named(k8s.namespace(route), ref.name)) == 0
	msg := sprintf("gives %v of its weight to InferencePool %s, which the render does not hold in %s: those requests fail", [object.get(ref, "weight", 1), ref.name, k8s.namespace(route)])
}

problems contains {"object": route, "msg": msg} if {
	some route in routes
	some rule in object.get(route, ["spec", "rules"], [])
	some ref in pool_refs(rule)
	object.get(ref, "weight", 1) > 0
	some pool in pools_named(k8s.namespace(route), ref.name)
	count([w | some w in workloads(k8s.namespace(route)); selects(pool, w)]) == 0
	msg := sprintf("gives %v of its weight to InferencePool %s, which selects the serving pods of no workload rendered in %s (selector %v): the endpoint picker has no pod to send those requests to", [object.get(ref, "weight", 1), ref.name, k8s.namespace(route), object.get(pool, ["spec", "selector", "matchLabels"], {})])
}

problems contains {"object": route, "msg": msg} if {
	some route in routes
	some rule in object.get(route, ["spec", "rules"], [])
	refs := pool_refs(rule)
	some i, a in refs
	some j, b in refs
	i < j
	some pa in pools_named(k8s.namespace(route), a.name)
	some pb in pools_named(k8s.namespace(route), b.name)
	some workload in workloads(k8s.namespace(route))
	selects(pa, workload)
	selects(pb, workload)
	msg := sprintf("splits a rule between InferencePools %s and %s, which both select the serving pods of %s %s: its version takes both shares; select each track's pods by the eks-llm-gitops.io/track label", [a.name, b.name, workload.kind, k8s.name(workload)])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
