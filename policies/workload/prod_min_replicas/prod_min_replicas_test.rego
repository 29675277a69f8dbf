package workload.prod_min_replicas_test

import data.lib.fixtures
import data.workload.prod_min_replicas

scaled_object(minimum) := {
	"apiVersion": "keda.sh/v1alpha1",
	"kind": "ScaledObject",
	"metadata": {"name": "demo", "namespace": "llm-demo"},
	"spec": {"scaleTargetRef": {"name": "demo"}, "minReplicaCount": minimum, "maxReplicaCount": 4, "triggers": []},
}

single := json.patch(fixtures.web, [{"op": "replace", "path": "/spec/replicas", "value": 1}])

test_two_replicas_in_prod_pass if {
	count(prod_min_replicas.deny) == 0 with input as fixtures.web with data.llm.environment as "prod"
}

test_one_replica_in_prod_is_denied if {
	findings := prod_min_replicas.deny with input as single with data.llm.environment as "prod"
	count(findings) == 1
	some f in findings
	f.policy == "WL-009"
	contains(f.msg, "runs 1 replica(s) in prod")
}

test_one_replica_in_dev_passes if {
	count(prod_min_replicas.deny) == 0 with input as single with data.llm.environment as "dev"
}

test_scaled_object_minimum_in_prod if {
	count(prod_min_replicas.deny) == 0 with input as scaled_object(2) with data.llm.environment as "prod"
	count(prod_min_replicas.deny) == 1 with input as scaled_object(1) with data.llm.environment as "prod"
}

test_scaled_object_default_minimum_is_zero if {
	obj := json.patch(scaled_object(2), [{"op": "remove", "path": "/spec/minReplicaCount"}])
	findings := prod_min_replicas.deny with input as obj with data.llm.environment as "prod"
	some f in findings
	contains(f.msg, "minReplicaCount 0")
}

test_production_list_comes_from_data if {
	count(prod_min_replicas.deny) == 1 with input as single with data.llm.environment as "live" with data.environments.production as ["live"]
}

test_leader_worker_set_with_two_groups_in_prod_passes if {
	count(prod_min_replicas.deny) == 0 with input as fixtures.lws_model_server with data.llm.environment as "prod"
}

test_leader_worker_set_with_one_group_in_prod_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/replicas", "value": 1}])
	findings := prod_min_replicas.deny with input as obj with data.llm.environment as "prod"
	count(findings) == 1
	some f in findings
	f.policy == "WL-009"
	f.kind == "LeaderWorkerSet"
}

# A warm-capacity placeholder's replicas are warm nodes, not availability; one that is not a
# placeholder (an init container does work) is held to two.
test_single_placeholder_in_prod_passes if {
	count(prod_min_replicas.deny) == 0 with input as fixtures.placeholder with data.llm.environment as "prod"
}

test_single_near_placeholder_in_prod_is_denied if {
	obj := json.patch(fixtures.placeholder, [{"op": "add", "path": "/spec/template/spec/initContainers", "value": [fixtures.placeholder.spec.template.spec.containers[0]]}])
	findings := prod_min_replicas.deny with input as obj with data.llm.environment as "prod"
	count(findings) == 1
	some f in findings
	f.policy == "WL-009"
}
