# METADATA
# title: A LeaderWorkerSet's leader and worker templates agree
# description: >-
#   A LeaderWorkerSet (sigs.k8s.io/lws v0.9.0) gives its leader and its workers a pod template
#   each. Every pod-level field but containers and initContainers (securityContext,
#   serviceAccountName, automountServiceAccountToken, volumes, tolerations, nodeSelector,
#   affinity, priorityClassName, terminationGracePeriodSeconds, enableServiceLinks...) is equal in
#   both: one group is one model server, whose pods share an identity, a placement and a
#   drain, and the pack's pod-level rules read the worker's. And leaderWorkerTemplate.restartPolicy
#   is RecreateGroupOnPodRestart, set explicitly: the workers run without probes (WL-002), which
#   is only safe when a dead worker takes its whole group down and LWS recreates it, instead of
#   the leader serving on with half a model.
# custom:
#   id: WL-010
#   severity: high
#   kinds: [LeaderWorkerSet]
#   input: object
package workload.leader_worker_templates

import data.lib.k8s
import data.lib.policy

# Fields of a pod spec the leader and the worker may set differently.
per_template_fields := {"containers", "initContainers"}

group_restart := "RecreateGroupOnPodRestart"

problems contains {"object": input, "msg": msg} if {
	is_lws
	leader := object.get(input.spec.leaderWorkerTemplate.leaderTemplate, "spec", {})
	worker := object.get(k8s.lws_worker_template(input), "spec", {})
	some field in ({key | some key, _ in leader} | {key | some key, _ in worker})
	not field in per_template_fields
	object.get(leader, field, null) != object.get(worker, field, null)
	msg := sprintf("sets the pod field %s differently in its leaderTemplate (%s) and its workerTemplate (%s); make them equal: only containers and initContainers may differ", [field, shown(leader, field), shown(worker, field)])
}

problems contains {"object": input, "msg": msg} if {
	is_lws
	restart := object.get(input.spec, ["leaderWorkerTemplate", "restartPolicy"], "unset (LWS v0.9.0 defaults it, but a reviewer cannot see it)")
	restart != group_restart
	msg := sprintf("sets leaderWorkerTemplate.restartPolicy %s; set it to %s, so that a worker that dies (workers have no probes) takes its group down and LWS recreates it", [restart, group_restart])
}

is_lws if {
	k8s.is_object_input(input)
	input.kind == "LeaderWorkerSet"
}

shown(spec, field) := json.marshal(spec[field])

shown(spec, field) := "unset" if not k8s.has_key(spec, field)

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
