package workload.autoscalers_test

import data.lib.fixtures
import data.workload.autoscalers

scaled_object(target) := {
	"apiVersion": "keda.sh/v1alpha1",
	"kind": "ScaledObject",
	"metadata": {"name": "demo", "namespace": "llm-demo"},
	"spec": {"scaleTargetRef": {"name": target}, "minReplicaCount": 1, "maxReplicaCount": 4, "triggers": []},
}

hpa := {
	"apiVersion": "autoscaling/v2",
	"kind": "HorizontalPodAutoscaler",
	"metadata": {"name": "demo-cpu", "namespace": "llm-demo"},
	"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "demo"}, "minReplicas": 1, "maxReplicas": 4},
}

test_one_autoscaler_on_an_existing_target_passes if {
	count(autoscalers.deny) == 0 with input as fixtures.combined([fixtures.model_server, scaled_object("demo")])
}

test_missing_target_is_denied if {
	findings := autoscalers.deny with input as fixtures.combined([fixtures.model_server, scaled_object("dmeo")])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-003"
	f.kind == "ScaledObject"
	contains(f.msg, "scales Deployment dmeo")
}

test_two_autoscalers_are_denied if {
	findings := autoscalers.deny with input as fixtures.combined([fixtures.model_server, scaled_object("demo"), hpa])
	count(findings) == 1
	some f in findings
	f.kind == "Deployment"
	contains(f.msg, "2 autoscalers")
}

test_target_kind_must_match if {
	statefulset_target := json.patch(hpa, [{"op": "replace", "path": "/spec/scaleTargetRef/kind", "value": "StatefulSet"}])
	count(autoscalers.deny) == 1 with input as fixtures.combined([fixtures.model_server, statefulset_target])
}

lws_scaler(target) := {
	"apiVersion": "keda.sh/v1alpha1",
	"kind": "ScaledObject",
	"metadata": {"name": "big", "namespace": "llm-big"},
	"spec": {"scaleTargetRef": target, "minReplicaCount": 2, "maxReplicaCount": 4, "triggers": []},
}

test_scaled_object_targeting_a_leader_worker_set_passes if {
	target := {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": "big"}
	count(autoscalers.deny) == 0 with input as fixtures.combined([fixtures.lws_model_server, lws_scaler(target)])
}

# KEDA reads a target without apiVersion as apps/v1: no such LeaderWorkerSet exists.
test_scaled_object_targeting_a_leader_worker_set_without_its_api_version_is_denied if {
	findings := autoscalers.deny with input as fixtures.combined([fixtures.lws_model_server, lws_scaler({"kind": "LeaderWorkerSet", "name": "big"})])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-003"
	contains(f.msg, "scales LeaderWorkerSet big (apiVersion apps/v1, KEDA's default), which does not exist")
}

test_two_autoscalers_on_a_leader_worker_set_are_denied if {
	target := {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": "big"}
	second := json.patch(lws_scaler(target), [{"op": "replace", "path": "/metadata/name", "value": "big-2"}])
	findings := autoscalers.deny with input as fixtures.combined([fixtures.lws_model_server, lws_scaler(target), second])
	count(findings) == 1
	some f in findings
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "is scaled by 2 autoscalers")
}
