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
