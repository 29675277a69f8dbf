# METADATA
# title: No two objects share an identity
# description: >-
#   Over one environment: no two documents declare the same API group, kind, namespace and name.
#   Applied together, the later one silently replaces the earlier (or Argo CD reports a shared
#   resource and flips between them), and which one wins depends on file order.
# custom:
#   id: CMB-005
#   severity: high
#   kinds: ["*"]
#   input: combined
package gitops.unique_identity

import data.lib.k8s
import data.lib.policy

entries := [{"path": file.path, "object": obj} |
	is_array(input)
	some file in input
	some obj in k8s.documents(file.contents)
	k8s.is_object_input(obj)
]

problems contains {"object": second.object, "msg": msg} if {
	some i, first in entries
	some j, second in entries
	i < j
	k8s.identity(first.object) == k8s.identity(second.object)
	msg := sprintf("is declared twice, in %s and in %s; keep one (or rename one)", [first.path, second.path])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
