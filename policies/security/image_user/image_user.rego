# METADATA
# title: A container that runs as a uid its image does not define says who it is
# description: >-
#   A container whose runAsUser (its own or the pod's) is not a user of its image, by
#   policies/data/image-users.yaml, sets HOME, USER and LOGNAME. Without a passwd entry,
#   Python's getpass.getuser() raises KeyError (torch and Triton call it for their cache
#   directories, so vLLM crashes at start) and home-directory lookups fail. An image the data
#   does not list is judged the same way: nothing says it defines the uid.
# custom:
#   id: SEC-008
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package security.image_user

import data.lib.k8s
import data.lib.policy

default image_users := []

image_users := data.image_users

# What a process without a passwd entry needs from its environment.
identity_variables := ["HOME", "USER", "LOGNAME"]

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.all_containers(input)
	uid := k8s.effective_security(input, container, "runAsUser")
	not image_defines(k8s.full_image(container.image), uid)
	missing := [name | some name in identity_variables; not sets_env(container, name)]
	count(missing) > 0
	msg := sprintf(
		"container %q runs as uid %d, which %s does not define; set %s in its env (or run as a user the image has, per policies/data/image-users.yaml)",
		[container.name, uid, image_name(container.image), concat(", ", missing)],
	)
}

image_defines(image, uid) if {
	some entry in image_users
	regex.match(entry.image, image)
	uid in entry.uids
}

sets_env(container, name) if {
	some variable in object.get(container, "env", [])
	variable.name == name
	object.get(variable, "value", "") != ""
}

# The reference without its digest, for the message.
image_name(image) := split(image, "@")[0]

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
