# METADATA
# title: Model servers are shielded from Karpenter while they load, and only then
# description: >-
#   Model servers (and any Deployment, StatefulSet or LeaderWorkerSet that asks for GPUs; for a
#   LeaderWorkerSet both its leader's and its worker's pod templates) carry the pod annotation
#   karpenter.sh/do-not-disrupt with a duration (Karpenter's "30m" form, from the pod's start): a
#   replica takes minutes to tens of minutes to load its weights, and is not evicted for drift
#   while it does. Not "true": that blocks every voluntary disruption for the pod's life, and on
#   GPU pools that never expire (GPU-005) AMI upgrades, which reach nodes only by drift, would
#   never arrive. After the duration the PodDisruptionBudget paces evictions, one replica at a time.
#   Warm-capacity placeholders (lib/k8s.rego is_placeholder) are exempt: they load nothing, and
#   must stay disruptable so that drift and consolidation move them freely (GPU-007).
# custom:
#   id: GPU-003
#   severity: medium
#   kinds: [Deployment, Rollout, StatefulSet, LeaderWorkerSet]
#   input: object
package gpu.do_not_disrupt

import data.lib.k8s
import data.lib.policy

annotation := "karpenter.sh/do-not-disrupt"

problems contains {"object": input, "msg": msg} if {
	some i, template in templates_to_check
	not object.get(template, ["metadata", "annotations", annotation], false)
	msg := sprintf("serves a model but its %s lack the annotation %s; add it to the pod template with the time a replica takes to load (for example \"30m\")", [pods_of(i), annotation])
}

problems contains {"object": input, "msg": msg} if {
	some i, template in templates_to_check
	value := template.metadata.annotations[annotation]
	not is_duration(value)
	msg := sprintf("sets %s to %q%s; expected a duration such as \"30m\" (\"true\" never lets drift replace the node, so AMI upgrades never reach it)", [annotation, value, on_pods(i)])
}

# The pod templates of a GPU workload: a LeaderWorkerSet's leader's and worker's.
templates_to_check := templates if {
	k8s.is_object_input(input)
	input.kind in {"Deployment", "Rollout", "StatefulSet", "LeaderWorkerSet"}
	serves_on_gpus(input)
	not k8s.is_placeholder(input)
	templates := k8s.pod_templates(input)
}

pods_of(i) := ["leader pods", "worker pods"][i] if input.kind == "LeaderWorkerSet"

pods_of(_) := "pods" if input.kind != "LeaderWorkerSet"

on_pods(i) := sprintf(" on its %s", [pods_of(i)]) if input.kind == "LeaderWorkerSet"

on_pods(_) := "" if input.kind != "LeaderWorkerSet"

# Go's duration syntax, which Karpenter parses: one or more number-unit pairs.
is_duration(value) if regex.match(`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`, value)

serves_on_gpus(obj) if k8s.is_model_server(obj)

serves_on_gpus(obj) if k8s.pod_gpus(obj) > 0

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
