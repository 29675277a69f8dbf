# METADATA
# title: Images come from allowed registries
# description: >-
#   Every container image comes from a registry and repository that the platform team allows:
#   the regular expressions in policies/data/registries.yaml, matched against the full reference
#   (nginx is docker.io/library/nginx). Pulling from anywhere else bypasses image scanning and
#   makes a node's start depend on a registry nobody watches; mirror such images into ECR. A
#   registry whose anonymous pulls are rate-limited (Docker Hub) is refused by name even if a
#   pattern allows it: nodes pull through the environment's ECR pull-through cache instead.
# custom:
#   id: WL-004
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package workload.allowed_registries

import data.lib.k8s
import data.lib.policy

default allowed := []

allowed := data.registries.allowed

default rate_limited := []

rate_limited := data.registries.rate_limited

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	not allowed_image(k8s.full_image(container.image))
	not limited_registry(k8s.full_image(container.image))
	msg := sprintf("container %q pulls %q, from no allowed registry; mirror it into one that policies/data/registries.yaml allows (%s)", [container.name, container.image, concat(", ", allowed)])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	some registry in rate_limited
	regex.match(registry.pattern, k8s.full_image(container.image))
	msg := sprintf("container %q pulls %q from %s, whose anonymous pulls are rate-limited (every new node pulls it again); pull it from %s", [container.name, container.image, registry.name, registry.instead])
}

limited_registry(image) if {
	some registry in rate_limited
	regex.match(registry.pattern, image)
}

allowed_image(image) if {
	some pattern in allowed
	regex.match(pattern, image)
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
