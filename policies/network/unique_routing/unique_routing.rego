# METADATA
# title: Service selectors and Ingress hosts are unique
# description: >-
#   Over one environment: no two Services in a namespace select the same pods with the same
#   selector (headless Services excepted: StatefulSets need one beside their regular Service), and
#   no two Ingresses claim the same host. Two Services on the same pods split metrics and network
#   policy intent; two Ingresses on one host make the load balancer's rule order decide where a
#   request goes, and external-dns fight over the record. The canaryService and stableService of an
#   Argo Rollout are excepted: the controller adds the pod-template hash of its track to each
#   selector, so in the cluster each selects one track's pods only.
# custom:
#   id: CMB-006
#   severity: medium
#   kinds: [Service, Ingress]
#   input: combined
package network.unique_routing

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

services := [service |
	some service in objects
	service.kind == "Service"
	count(object.get(service.spec, "selector", {})) > 0
	object.get(service.spec, "clusterIP", "") != "None"
	not rollout_track_service(service)
]

rollout_track_service(service) if {
	some rollout in objects
	rollout.kind == "Rollout"
	k8s.namespace(rollout) == k8s.namespace(service)
	some field in {"canaryService", "stableService"}
	object.get(rollout, ["spec", "strategy", "canary", field], "") == k8s.name(service)
}

problems contains {"object": second, "msg": msg} if {
	some i, first in services
	some j, second in services
	i < j
	k8s.namespace(first) == k8s.namespace(second)
	first.spec.selector == second.spec.selector
	msg := sprintf("selects the same pods as Service %s with the same selector; keep one Service per set of pods", [k8s.name(first)])
}

hosts := [{"ingress": ingress, "host": rule.host} |
	some ingress in objects
	ingress.kind == "Ingress"
	some rule in object.get(ingress.spec, "rules", [])
	rule.host
]

problems contains {"object": second.ingress, "msg": msg} if {
	some i, first in hosts
	some j, second in hosts
	i < j
	first.host == second.host
	k8s.identity(first.ingress) != k8s.identity(second.ingress)
	msg := sprintf("claims host %s, which Ingress %s already claims; route both through one Ingress", [second.host, k8s.ref(first.ingress)])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
