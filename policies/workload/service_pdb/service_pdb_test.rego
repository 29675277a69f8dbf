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

lws_service(selector) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "big", "namespace": "llm-big"},
	"spec": {"selector": selector, "ports": [{"name": "http", "port": 8000, "targetPort": 8000}]},
}

leaders := {"app.kubernetes.io/instance": "big", "leaderworkerset.sigs.k8s.io/worker-index": "0"}

lws_budget(spec) := {
	"apiVersion": "policy/v1",
	"kind": "PodDisruptionBudget",
	"metadata": {"name": "big", "namespace": "llm-big"},
	"spec": object.union({"selector": {"matchLabels": {"app.kubernetes.io/instance": "big"}}}, spec),
}

# LeaderWorkerSets: the Service selects the leaders (worker index "0"), the budget every pod.
test_leader_worker_set_with_a_leader_service_and_budget_passes if {
	count(service_pdb.deny) == 0 with input as fixtures.combined([fixtures.lws_model_server, lws_service(leaders), lws_budget({"maxUnavailable": 1})])
}

test_leader_worker_set_without_a_service_for_its_leaders_is_denied if {
	workers := {"app.kubernetes.io/instance": "big", "leaderworkerset.sigs.k8s.io/worker-index": "1"}
	findings := service_pdb.deny with input as fixtures.combined([fixtures.lws_model_server, lws_service(workers), lws_budget({"maxUnavailable": 1})])
	count(findings) == 2
	some f in findings
	f.policy == "CMB-001"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "no Service in its namespace whose selector matches the labels of its leader pods")
}

test_a_service_that_sends_requests_to_headless_workers_is_denied if {
	findings := service_pdb.deny with input as fixtures.combined([fixtures.lws_model_server, lws_service({"app.kubernetes.io/instance": "big"}), lws_budget({"maxUnavailable": 1})])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-001"
	f.kind == "Service"
	contains(f.msg, "selects the workers of LeaderWorkerSet big")
}

test_a_headless_service_may_select_the_workers if {
	headless := json.patch(lws_service({"app.kubernetes.io/instance": "big"}), [{"op": "add", "path": "/spec/clusterIP", "value": "None"}])
	count(service_pdb.deny) == 0 with input as fixtures.combined([fixtures.lws_model_server, lws_service(leaders), headless, lws_budget({"maxUnavailable": 1})])
}

test_leader_worker_set_of_several_groups_without_budget_is_denied if {
	findings := service_pdb.deny with input as fixtures.combined([fixtures.lws_model_server, lws_service(leaders)])
	count(findings) == 1
	some f in findings
	contains(f.msg, "no PodDisruptionBudget")
}

# Two groups of two pods: minAvailable 4 keeps every pod, 3 lets one go.
test_leader_worker_set_budget_counts_pods_of_every_group if {
	findings := service_pdb.deny with input as fixtures.combined([fixtures.lws_model_server, lws_service(leaders), lws_budget({"minAvailable": 4})])
	count(findings) == 1
	some f in findings
	f.kind == "PodDisruptionBudget"
	contains(f.msg, "LeaderWorkerSet big, which runs 4 pod(s) at its minimum")
	count(service_pdb.deny) == 0 with input as fixtures.combined([fixtures.lws_model_server, lws_service(leaders), lws_budget({"minAvailable": 3})])
}

# A warm-capacity placeholder serves nothing: it needs no Service, and no budget may pace its
# evictions. A Deployment that only looks like one (it listens on a port) is judged as any other.
test_placeholder_needs_no_service_or_budget if {
	many := json.patch(fixtures.placeholder, [{"op": "replace", "path": "/spec/replicas", "value": 3}])
	count(service_pdb.deny) == 0 with input as fixtures.combined([many])
}

test_near_placeholder_needs_a_service if {
	obj := json.patch(fixtures.placeholder, [{"op": "add", "path": "/spec/template/spec/containers/0/ports", "value": [{"name": "http", "containerPort": 8000}]}])
	findings := service_pdb.deny with input as fixtures.combined([obj])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-001"
	f.name == "gpu-8-gpus"
}
