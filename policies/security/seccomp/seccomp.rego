# METADATA
# title: Containers run under the RuntimeDefault seccomp profile
# description: >-
#   Every container runs with seccompProfile RuntimeDefault (or a Localhost profile), set on the
#   container or the pod. Unconfined syscalls are the kernel attack surface container escapes
#   use.
# custom:
#   id: SEC-004
#   severity: medium
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package security.seccomp

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	not confined(input, container)
	msg := sprintf("container %q runs without a seccomp profile; set securityContext.seccompProfile.type: RuntimeDefault on the pod", [container.name])
}

confined(obj, container) if k8s.effective_security(obj, container, "seccompProfile").type in {"RuntimeDefault", "Localhost"}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
