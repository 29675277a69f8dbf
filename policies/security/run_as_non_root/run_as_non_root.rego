# METADATA
# title: Containers run as a non-root user
# description: >-
#   Every container, init containers included, runs with runAsNonRoot true (set on the container
#   or the pod) and never with runAsUser 0. A process that escapes a root container owns the node,
#   and GPU nodes hold the most valuable data on the cluster: the model weights.
# custom:
#   id: SEC-001
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package security.run_as_non_root

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	not runs_as_non_root(input, container)
	msg := sprintf("container %q may run as root; set securityContext.runAsNonRoot: true (container or pod) and a non-zero runAsUser", [container.name])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	k8s.effective_security(input, container, "runAsUser") == 0
	msg := sprintf("container %q sets runAsUser 0 (root); use a non-zero UID", [container.name])
}

# A named rule, not `not k8s.effective_security(...) == true`: OPA evaluates a call inside a
# negated expression before the negation, so when the setting is set nowhere (the case that
# matters most) the call is undefined, the whole body with it, and the container passed.
runs_as_non_root(obj, container) if k8s.effective_security(obj, container, "runAsNonRoot") == true

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
