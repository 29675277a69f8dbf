# METADATA
# title: GPU requests equal GPU limits, in whole GPUs
# description: >-
#   A container that asks for nvidia.com/gpu sets it in limits (extended resources cannot be
#   overcommitted), equal to its request when it sets one, as a whole number. A request without a
#   limit is rejected at admission; a fractional GPU is not something the device plugin can hand
#   out without time-slicing, which an inference server must not silently share.
# custom:
#   id: GPU-001
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package gpu.gpu_resources

import data.lib.k8s
import data.lib.policy

gpu := "nvidia.com/gpu"

problems contains {"object": input, "container": container.name, "msg": msg} if {
	some container in containers_to_check
	container.resources.requests[gpu]
	not container.resources.limits[gpu]
	msg := sprintf("container %q requests nvidia.com/gpu without a limit; set limits.nvidia.com/gpu equal to the request", [container.name])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	some container in containers_to_check
	requested := container.resources.requests[gpu]
	limited := container.resources.limits[gpu]
	to_number(requested) != to_number(limited)
	msg := sprintf("container %q requests %v nvidia.com/gpu but limits %v; make them equal", [container.name, requested, limited])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	some container in containers_to_check
	some section in ["requests", "limits"]
	value := container.resources[section][gpu]
	not whole_number(value)
	msg := sprintf("container %q sets %s.nvidia.com/gpu to %v; use a whole number of GPUs", [container.name, section, value])
}

containers_to_check := [container |
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
]

whole_number(value) if {
	is_number(value)
	value == floor(value)
	value >= 0
}

whole_number(value) if {
	is_string(value)
	regex.match(`^[0-9]+$`, value)
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
