# METADATA
# title: Root filesystems are read-only
# description: >-
#   Every container sets readOnlyRootFilesystem true and writes only to volumes it declares
#   (emptyDir for /tmp, the model cache). An attacker who gets code execution cannot then drop
#   tools into the image's filesystem, and nothing fills the node's disk by surprise.
# custom:
#   id: SEC-005
#   severity: medium
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package security.read_only_root

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	not container.securityContext.readOnlyRootFilesystem == true
	msg := sprintf("container %q can write its root filesystem; set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it writes", [container.name])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
