# METADATA
# title: Serving containers have probes; model servers a start-up budget that covers loading
# description: >-
#   Long-running containers declare readiness and liveness probes, so traffic only reaches pods
#   that can answer and wedged servers restart. The workers of a LeaderWorkerSet are exempt: they
#   run vLLM headless with no port to probe, the leader's probes gate the group's traffic, and LWS
#   recreates the whole group when a worker's container exits (WL-010); the leader is not exempt.
#   A model server's GPU container (a LeaderWorkerSet's leader's) also declares a startupProbe
#   whose budget (initialDelaySeconds + periodSeconds x failureThreshold) covers the engine's
#   start: at least base_seconds of policies/data/model-serving.yaml and the engineStartSeconds
#   the chart estimates in the workload's eks-llm-gitops.io/time-to-ready annotation (JSON); a
#   model server Deployment's progressDeadlineSeconds (600 when unset) covers its
#   firstReplicaSeconds. A web-app sized budget kills a 70B server in a restart loop before it
#   serves, and a short progress deadline marks every rollout of it failed.
# custom:
#   id: WL-002
#   severity: high
#   kinds: [Deployment, Rollout, StatefulSet, DaemonSet, LeaderWorkerSet]
#   input: object
package workload.probes

import data.lib.k8s
import data.lib.policy

estimate_annotation := "eks-llm-gitops.io/time-to-ready"

# The numbers of the estimate the rule reads, in seconds.
estimate_fields := ["engineStartSeconds", "firstReplicaSeconds"]

default base_seconds := 300

base_seconds := data.model_serving.startup.base_seconds

# Kubernetes' default progressDeadlineSeconds for a Deployment.
default_progress_deadline := 600

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.serving_kinds
	some container in k8s.containers(input)
	not k8s.is_lws_worker_container(input, container)
	some probe in ["readinessProbe", "livenessProbe"]
	not container[probe]
	msg := sprintf("%s %q has no %s; add one (an HTTP health endpoint for servers)%s", [container_role(container), container.name, probe, lws_note])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	some container in model_server_gpu_containers
	not container.startupProbe
	msg := sprintf("model server %s %q has no startupProbe; add one whose budget covers the engine's start (the %s annotation's engineStartSeconds, at least %d s)", [container_role(container), container.name, estimate_annotation, base_seconds])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	some container in model_server_gpu_containers
	budget := startup_budget(container.startupProbe)
	required := required_startup_seconds
	budget < required
	msg := sprintf("model server %s %q gives start-up %d s (initialDelaySeconds + periodSeconds x failureThreshold) but needs %d s: the engine is estimated to start in %v s (%s engineStartSeconds), and no budget is below %d s; raise failureThreshold", [container_role(container), container.name, budget, required, estimate.engineStartSeconds, estimate_annotation, base_seconds])
}

problems contains {"object": input, "msg": msg} if {
	gpu_model_server
	input.kind in {"Deployment", "Rollout"}
	deadline := object.get(input.spec, "progressDeadlineSeconds", default_progress_deadline)
	deadline < estimate.firstReplicaSeconds
	msg := sprintf("has progressDeadlineSeconds %v (600 when unset) but its first replica is estimated ready after %v s (%s firstReplicaSeconds), so every rollout is marked failed (ProgressDeadlineExceeded) while it loads; set progressDeadlineSeconds to at least %v", [deadline, estimate.firstReplicaSeconds, estimate_annotation, estimate.firstReplicaSeconds])
}

problems contains {"object": input, "msg": msg} if {
	gpu_model_server
	not raw_estimate
	msg := sprintf("model server declares no %s annotation, so its start-up budget cannot be checked; annotate the %s with the chart's estimate, JSON with engineStartSeconds and firstReplicaSeconds (npm run render writes it)", [estimate_annotation, input.kind])
}

problems contains {"object": input, "msg": msg} if {
	gpu_model_server
	raw := raw_estimate
	not parsed_estimate
	msg := sprintf("sets %s to %q, which is not a JSON object; write it as the chart does, for example {\"engineStartSeconds\":420,\"firstReplicaSeconds\":900}", [estimate_annotation, raw])
}

problems contains {"object": input, "msg": msg} if {
	gpu_model_server
	parsed := parsed_estimate
	some field in estimate_fields
	not seconds(object.get(parsed, field, null))
	msg := sprintf("sets %s without %s as a number of seconds; add it (the chart's estimate, a number of seconds)", [estimate_annotation, field])
}

# The GPU containers of a model server that serve it (a LeaderWorkerSet's leader's): they load the
# weights and answer the probes.
model_server_gpu_containers := [container |
	k8s.is_object_input(input)
	input.kind in k8s.serving_kinds
	k8s.is_model_server(input)
	some container in k8s.serving_containers(input)
	k8s.gpu_count(container) > 0
]

gpu_model_server if count(model_server_gpu_containers) > 0

# The annotation on the workload, else on its pods.
raw_estimate := k8s.annotations(input)[estimate_annotation]

raw_estimate := k8s.pod_annotations(input)[estimate_annotation] if not k8s.annotations(input)[estimate_annotation]

parsed_estimate := parsed if {
	json.is_valid(raw_estimate)
	parsed := json.unmarshal(raw_estimate)
	is_object(parsed)
}

# The estimate, when it holds every number the rule reads.
estimate := parsed_estimate if {
	every field in estimate_fields {
		seconds(object.get(parsed_estimate, field, null))
	}
}

seconds(value) if {
	is_number(value)
	value >= 0
}

required_startup_seconds := ceil(max([base_seconds, estimate.engineStartSeconds]))

startup_budget(probe) := object.get(probe, "initialDelaySeconds", 0) + (object.get(probe, "periodSeconds", 10) * object.get(probe, "failureThreshold", 3))

container_role(container) := "leader container" if {
	input.kind == "LeaderWorkerSet"
	container in k8s.lws_leader_containers(input)
} else := "container"

lws_note := "; only a LeaderWorkerSet's headless workers go without (the leader's probes gate the group)" if input.kind == "LeaderWorkerSet"

else := ""

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
