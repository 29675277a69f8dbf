# METADATA
# title: No host namespaces, host ports or host paths
# description: >-
#   Pods do not use hostNetwork, hostPID, hostIPC, hostPort or hostPath volumes: each one hands a
#   container a piece of the node. Node agents that need them (the NVIDIA and EFA device plugins)
#   are allow-listed by kind, namespace and name in policies/data/host-access.yaml.
# custom:
#   id: SEC-006
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package security.host_access

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	workload_to_check
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	k8s.pod_spec(input)[field] == true
	msg := sprintf("sets %s: true; remove it (node agents are allow-listed in policies/data/host-access.yaml)", [field])
}

problems contains {"object": input, "msg": msg} if {
	workload_to_check
	some volume in object.get(k8s.pod_spec(input), "volumes", [])
	volume.hostPath
	msg := sprintf("mounts hostPath %v as volume %q; use a PersistentVolumeClaim or emptyDir", [volume.hostPath.path, volume.name])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	workload_to_check
	some container in k8s.all_containers(input)
	some port in object.get(container, "ports", [])
	port.hostPort > 0
	msg := sprintf("container %q binds hostPort %v; expose it through a Service", [container.name, port.hostPort])
}

workload_to_check if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	not allow_listed
}

allow_listed if {
	some entry in data.host_access.allowed
	entry.kind == input.kind
	entry.namespace == k8s.namespace(input)
	entry.name == k8s.name(input)
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
