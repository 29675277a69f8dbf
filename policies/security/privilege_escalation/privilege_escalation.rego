# METADATA
# title: Containers are unprivileged and cannot escalate
# description: >-
#   Every container sets allowPrivilegeEscalation false and is not privileged. Escalation through
#   setuid binaries is how a non-root process becomes root; a privileged container is root on the
#   node. Device plugins get GPUs through the device-plugin API, not through privilege.
# custom:
#   id: SEC-002
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package security.privilege_escalation

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	not container.securityContext.allowPrivilegeEscalation == false
	msg := sprintf("container %q may escalate privileges; set securityContext.allowPrivilegeEscalation: false", [container.name])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	container.securityContext.privileged == true
	msg := sprintf("container %q is privileged (root on the node); remove privileged: true", [container.name])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
