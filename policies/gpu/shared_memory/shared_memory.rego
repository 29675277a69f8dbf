# METADATA
# title: Multi-GPU servers mount a memory-backed /dev/shm
# description: >-
#   A container with more than one GPU mounts an emptyDir with medium Memory at /dev/shm. Tensor
#   parallelism moves activations between GPUs through NCCL, which uses shared memory; the
#   container runtime's 64 MiB default makes vLLM fail or crawl at start-up. Warm-capacity
#   placeholders (lib/k8s.rego is_placeholder) are exempt: their containers only sleep on the
#   GPUs they hold, and run no NCCL.
# custom:
#   id: GPU-004
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package gpu.shared_memory

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	not k8s.is_placeholder(input)
	some container in k8s.containers(input)
	k8s.gpu_count(container) > 1
	not shm_mounted(k8s.pod_spec(input), container)
	msg := sprintf("container %q uses %v GPUs without a memory-backed /dev/shm; mount an emptyDir {medium: Memory} at /dev/shm", [container.name, k8s.gpu_count(container)])
}

shm_mounted(spec, container) if {
	some mount in object.get(container, "volumeMounts", [])
	mount.mountPath == "/dev/shm"
	some volume in object.get(spec, "volumes", [])
	volume.name == mount.name
	volume.emptyDir.medium == "Memory"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
