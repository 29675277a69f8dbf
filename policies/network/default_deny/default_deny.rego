# METADATA
# title: Every namespace denies all traffic by default
# description: >-
#   Over one environment: every Namespace has, in that namespace, NetworkPolicies that select all
#   of its pods (an empty podSelector) with policyTypes Ingress and Egress and no rules for that
#   direction. The allow-* policies then open exactly the flows the platform needs. A
#   NetworkPolicy in another namespace does not count, and one that allows anything does not
#   deny by default.
# custom:
#   id: CMB-002
#   severity: high
#   kinds: [Namespace, NetworkPolicy]
#   input: combined
package network.default_deny

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

problems contains {"object": namespace, "msg": msg} if {
	some namespace in objects
	namespace.kind == "Namespace"
	some direction in ["Ingress", "Egress"]
	not denies_all(k8s.name(namespace), direction)
	msg := sprintf("has no default-deny NetworkPolicy for %s; add one in the namespace with podSelector: {}, policyTypes [Ingress, Egress] and no rules", [lower(direction)])
}

denies_all(namespace_name, direction) if {
	some policy_object in objects
	policy_object.kind == "NetworkPolicy"
	k8s.namespace(policy_object) == namespace_name
	selects_all(object.get(policy_object.spec, "podSelector", {}))
	direction in object.get(policy_object.spec, "policyTypes", [])
	count(object.get(policy_object.spec, lower(direction), [])) == 0
}

selects_all(selector) if {
	count(object.get(selector, "matchLabels", {})) == 0
	count(object.get(selector, "matchExpressions", [])) == 0
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
