# METADATA
# title: Serving containers have probes; model servers a start-up budget that covers loading
# description: >-
#   Long-running containers declare readiness and liveness probes, so traffic only reaches pods
#   that can answer and wedged servers restart. A model server's GPU container also declares a
#   startupProbe whose budget (initialDelaySeconds + periodSeconds x failureThreshold) covers
#   loading its weights: base seconds plus seconds per billion parameters, from
#   policies/data/model-serving.yaml and the server's eks-llm-gitops.io/parameters-billions
#   annotation. A web-app sized budget kills a 70B server in a restart loop before it serves.
# custom:
#   id: WL-002
#   severity: high
#   kinds: [Deployment, StatefulSet, DaemonSet]
#   input: object
package workload.probes

import data.lib.k8s
import data.lib.policy

parameters_annotation := "eks-llm-gitops.io/parameters-billions"

default base_seconds := 300

base_seconds := data.model_serving.startup.base_seconds

default seconds_per_billion := 15

seconds_per_billion := data.model_serving.startup.seconds_per_billion_parameters

problems contains {"object": input, "container": container.name, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.serving_kinds
	some container in k8s.containers(input)
	some probe in ["readinessProbe", "livenessProbe"]
	not container[probe]
	msg := sprintf("container %q has no %s; add one (an HTTP health endpoint for servers)", [container.name, probe])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	some container in model_server_gpu_containers
	not container.startupProbe
	msg := sprintf("model server container %q has no startupProbe; add one whose budget covers loading the weights (see policies/data/model-serving.yaml)", [container.name])
}

problems contains {"object": input, "container": container.name, "msg": msg} if {
	some container in model_server_gpu_containers
	budget := startup_budget(container.startupProbe)
	budget < required_seconds
	msg := sprintf("model server container %q gives start-up %d s (initialDelaySeconds + periodSeconds x failureThreshold) but loading %v billion parameters needs %d s; raise failureThreshold", [container.name, budget, parameters, required_seconds])
}

problems contains {"object": input, "msg": msg} if {
	count(model_server_gpu_containers) > 0
	not parameters
	msg := sprintf("model server declares no %s annotation, so its start-up budget cannot be checked; annotate the Deployment with the model's size", [parameters_annotation])
}

model_server_gpu_containers := [container |
	k8s.is_object_input(input)
	input.kind in k8s.serving_kinds
	k8s.is_model_server(input)
	some container in k8s.containers(input)
	k8s.gpu_count(container) > 0
]

parameters := to_number(k8s.annotations(input)[parameters_annotation])

parameters := to_number(k8s.pod_annotations(input)[parameters_annotation]) if not k8s.annotations(input)[parameters_annotation]

required_seconds := ceil(base_seconds + (seconds_per_billion * parameters))

startup_budget(probe) := object.get(probe, "initialDelaySeconds", 0) + (object.get(probe, "periodSeconds", 10) * object.get(probe, "failureThreshold", 3))

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
