# METADATA
# title: Autoscalers target an existing workload, one each
# description: >-
#   Over one environment: every KEDA ScaledObject and HorizontalPodAutoscaler scales a workload
#   that exists in its namespace, by kind, name and API group (a typo in scaleTargetRef scales
#   nothing, silently; KEDA reads a target without apiVersion as apps/v1, so a LeaderWorkerSet's
#   ScaledObject names leaderworkerset.x-k8s.io/v1), and no
#   workload has two autoscalers. KEDA drives its own HPA; a second HPA or ScaledObject on the
#   same Deployment makes them fight, flapping replicas of servers that take minutes to start.
# custom:
#   id: CMB-003
#   severity: high
#   kinds: [ScaledObject, HorizontalPodAutoscaler]
#   input: combined
package workload.autoscalers

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

problems contains {"object": scaler, "msg": msg} if {
	some scaler in objects
	scaler.kind in k8s.autoscaler_kinds
	not scales_something(scaler)
	msg := sprintf("scales %s %s%s, which does not exist in namespace %s; fix spec.scaleTargetRef", [k8s.scale_target_kind(scaler), scaler.spec.scaleTargetRef.name, target_api(scaler), k8s.namespace(scaler)])
}

problems contains {"object": workload, "msg": msg} if {
	some workload in objects
	workload.kind in k8s.workload_kinds
	names := sort([k8s.ref(scaler) | some scaler in objects; k8s.scales(scaler, workload)])
	count(names) > 1
	msg := sprintf("is scaled by %d autoscalers (%s); keep one", [count(names), concat(", ", names)])
}

target_api(scaler) := sprintf(" (apiVersion %s)", [object.get(scaler.spec.scaleTargetRef, "apiVersion", "apps/v1, KEDA's default")]) if scaler.kind == "ScaledObject"

target_api(scaler) := "" if scaler.kind != "ScaledObject"

scales_something(scaler) if {
	some workload in objects
	k8s.scales(scaler, workload)
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
