# METADATA
# title: Containers drop all Linux capabilities
# description: >-
#   Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE, as the
#   Kubernetes restricted Pod Security Standard requires. Inference servers and gateways need no
#   capability to serve HTTP on unprivileged ports.
# custom:
#   id: SEC-003
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package security.capabilities

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	not "ALL" in object.get(container, ["securityContext", "capabilities", "drop"], [])
	msg := sprintf("container %q keeps Linux capabilities; set securityContext.capabilities.drop: [ALL]", [container.name])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	some capability in object.get(container, ["securityContext", "capabilities", "add"], [])
	capability != "NET_BIND_SERVICE"
	msg := sprintf("container %q adds capability %s; only NET_BIND_SERVICE may be added back", [container.name, capability])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
