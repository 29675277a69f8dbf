package workload.requests_limits_test

import data.lib.fixtures
import data.workload.requests_limits

test_workload_with_requests_and_limits_passes if {
	count(requests_limits.deny) == 0 with input as fixtures.model_server
}

test_missing_memory_limit_is_denied_for_that_container if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits/memory"}])
	findings := requests_limits.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-001"
	f.severity == "high"
	f.container == "vllm"
	f.kind == "Deployment"
	f.namespace == "llm-demo"
	f.name == "demo"
	contains(f.msg, "resources.limits.memory")
}

test_init_container_without_resources_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/initContainers/0/resources"}])
	findings := requests_limits.deny with input as obj
	count(findings) == 4
	every f in findings {
		f.container == "model-cache-fill"
	}
}

test_objects_without_pods_are_ignored if {
	count(requests_limits.deny) == 0 with input as {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "namespace": "y"}}
}

test_leader_worker_set_with_resources_passes if {
	count(requests_limits.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_without_memory_limit_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "remove", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/resources/limits/memory"}])
	findings := requests_limits.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-001"
	f.kind == "LeaderWorkerSet"
	f.container == "vllm"
}
