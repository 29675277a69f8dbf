# METADATA
# title: Containers request and limit CPU and memory
# description: >-
#   Every container, init containers included, sets requests and limits for cpu and memory.
#   Without requests the scheduler packs pods blind onto nodes that cost dollars an hour; without
#   limits one leaking container evicts its neighbours. Equal requests and limits give model
#   servers the Guaranteed QoS class, the last to be evicted under node pressure.
# custom:
#   id: WL-001
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package workload.requests_limits

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	some section in ["requests", "limits"]
	some resource in ["cpu", "memory"]
	not container.resources[section][resource]
	msg := sprintf("container %q sets no resources.%s.%s; set it (model servers: requests equal to limits)", [container.name, section, resource])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
