# METADATA
# title: The termination grace period outlasts the preStop drain
# description: >-
#   When a container sleeps in preStop (lifecycle.preStop.sleep, or an exec running sleep) so that
#   in-flight streamed responses can finish after the pod leaves the Service endpoints, the pod's
#   terminationGracePeriodSeconds (30 when unset) must be longer than that sleep. Otherwise the
#   kubelet kills the server mid-response when the grace period runs out.
# custom:
#   id: WL-007
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package workload.termination_grace

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	some container in k8s.containers(input)
	pause := prestop_sleep(container)
	grace := object.get(k8s.pod_spec(input), "terminationGracePeriodSeconds", 30)
	grace <= pause
	msg := sprintf("container %q sleeps %v s in preStop but terminationGracePeriodSeconds is %v; make the grace period longer than the drain (for example %v)", [container.name, pause, grace, pause + 30])
}

prestop_sleep(container) := container.lifecycle.preStop.sleep.seconds

prestop_sleep(container) := to_number(found[0][1]) if {
	not container.lifecycle.preStop.sleep
	command := concat(" ", container.lifecycle.preStop.exec.command)
	found := regex.find_all_string_submatch_n(`(?:^|[\s;&|])sleep\s+([0-9]+)`, command, 1)
	count(found) == 1
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
