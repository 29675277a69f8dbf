package workload.service_pdb_test

import data.lib.fixtures
import data.workload.service_pdb

service := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "gateway", "namespace": "gateway"},
	"spec": {"selector": {"app.kubernetes.io/name": "gateway"}, "ports": [{"port": 80, "targetPort": "http"}]},
}

budget(spec) := {
	"apiVersion": "policy/v1",
	"kind": "PodDisruptionBudget",
	"metadata": {"name": "gateway", "namespace": "gateway"},
	"spec": object.union({"selector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}, spec),
}

scaled_object(minimum, maximum) := {
	"apiVersion": "keda.sh/v1alpha1",
	"kind": "ScaledObject",
	"metadata": {"name": "gateway", "namespace": "gateway"},
	"spec": {"scaleTargetRef": {"name": "gateway"}, "minReplicaCount": minimum, "maxReplicaCount": maximum, "triggers": []},
}

autoscaled := json.patch(fixtures.web, [{"op": "remove", "path": "/spec/replicas"}])

test_service_and_budget_pass if {
	count(service_pdb.deny) == 0 with input as fixtures.combined([fixtures.web, service, budget({"maxUnavailable": 1})])
}

test_deployment_without_service_is_denied if {
	findings := service_pdb.deny with input as fixtures.combined([fixtures.web, budget({"maxUnavailable": 1})])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-001"
	f.kind == "Deployment"
	contains(f.msg, "no Service")
}

test_service_in_another_namespace_does_not_count if {
	elsewhere := json.patch(service, [{"op": "replace", "path": "/metadata/namespace", "value": "other"}])
	count(service_pdb.deny) == 1 with input as fixtures.combined([fixtures.web, elsewhere, budget({"maxUnavailable": 1})])
}

test_replicated_deployment_without_budget_is_denied if {
	findings := service_pdb.deny with input as fixtures.combined([fixtures.web, service])
	count(findings) == 1
	some f in findings
	contains(f.msg, "no PodDisruptionBudget")
}

test_single_replica_needs_no_budget if {
	single := json.patch(fixtures.web, [{"op": "replace", "path": "/spec/replicas", "value": 1}])
	count(service_pdb.deny) == 0 with input as fixtures.combined([single, service])
}

test_autoscaled_deployment_needs_a_budget if {
	count(service_pdb.deny) == 1 with input as fixtures.combined([autoscaled, service, scaled_object(1, 4)])
	count(service_pdb.deny) == 0 with input as fixtures.combined([autoscaled, service, scaled_object(1, 4), budget({"maxUnavailable": 1})])
}

test_budget_keeping_every_replica_is_denied if {
	findings := service_pdb.deny with input as fixtures.combined([fixtures.web, service, budget({"minAvailable": 2})])
	count(findings) == 1
	some f in findings
	f.kind == "PodDisruptionBudget"
	contains(f.msg, "minAvailable 2")
}

test_budget_against_autoscaler_minimum if {
	count(service_pdb.deny) == 1 with input as fixtures.combined([autoscaled, service, scaled_object(2, 4), budget({"minAvailable": 2})])
	count(service_pdb.deny) == 0 with input as fixtures.combined([autoscaled, service, scaled_object(3, 4), budget({"minAvailable": 2})])
}
