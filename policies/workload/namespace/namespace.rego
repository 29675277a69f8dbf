# METADATA
# title: Objects live in their own namespace, never default
# description: >-
#   Namespaced objects set metadata.namespace, and never to default. Network policy, quotas, Pod
#   Security admission and RBAC are all scoped by namespace; the default namespace has none of
#   ours, and an object without a namespace lands wherever the applying tool points.
# custom:
#   id: WL-008
#   severity: medium
#   kinds: ["*"]
#   input: object
package workload.namespace

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	k8s.namespace(input) == "default"
	msg := "is in the default namespace; move it to the namespace of its component"
}

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.namespaced_kinds
	k8s.namespace(input) == ""
	msg := "sets no metadata.namespace, so it lands wherever the tool applying it points (often default); set it"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
