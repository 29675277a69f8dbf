# METADATA
# title: Images are pinned by digest, never latest
# description: >-
#   Every container image names a sha256 digest (registry/repository:tag@sha256:...). A tag can be
#   moved to other bytes at any time; a digest is what was tested in dev and staging and is what
#   production will pull. The tag latest is refused outright, digest or not, because it says
#   nothing about the version to a reviewer.
# custom:
#   id: WL-003
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package workload.image_digest

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	not regex.match(`@sha256:[a-f0-9]{64}$`, container.image)
	msg := sprintf("container %q runs %q, which is not pinned by digest; use <image>:<tag>@sha256:<digest>", [container.name, container.image])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	image_tag(container.image) == "latest"
	msg := sprintf("container %q runs %q, tagged latest; name the version it runs", [container.name, container.image])
}

# The tag of an image reference ("" when it has none): what follows ":" in its last path segment.
image_tag(image) := tag if {
	segments := split(split(image, "@")[0], "/")
	last := segments[count(segments) - 1]
	contains(last, ":")
	tag := split(last, ":")[1]
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
