# METADATA
# title: Model servers opt out of voluntary Karpenter disruption
# description: >-
#   Model servers (and any Deployment or StatefulSet that asks for GPUs) carry the pod annotation
#   karpenter.sh/do-not-disrupt "true". A replica takes minutes to tens of minutes to load its
#   weights; Karpenter consolidating or replacing a drifted node under it costs that much serving
#   capacity and a cold cache. Nodes still go when they expire or are deleted.
# custom:
#   id: GPU-003
#   severity: medium
#   kinds: [Deployment, StatefulSet]
#   input: object
package gpu.do_not_disrupt

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in {"Deployment", "StatefulSet"}
	serves_on_gpus(input)
	not k8s.pod_annotations(input)["karpenter.sh/do-not-disrupt"] == "true"
	msg := "serves a model but its pods lack the annotation karpenter.sh/do-not-disrupt: \"true\"; add it to the pod template"
}

serves_on_gpus(obj) if k8s.is_model_server(obj)

serves_on_gpus(obj) if k8s.pod_gpus(obj) > 0

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
