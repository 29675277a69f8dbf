package gpu.gpu_resources_test

import data.gpu.gpu_resources
import data.lib.fixtures

test_equal_whole_gpus_pass if {
	count(gpu_resources.deny) == 0 with input as fixtures.model_server
}

test_string_quantities_are_understood if {
	obj := json.patch(fixtures.model_server, [
		{"op": "replace", "path": "/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu", "value": "1"},
	])
	count(gpu_resources.deny) == 0 with input as obj
}

test_request_without_limit_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu"}])
	findings := gpu_resources.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-001"
	f.container == "vllm"
	contains(f.msg, "without a limit")
}

test_unequal_request_and_limit_are_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu", "value": 2}])
	findings := gpu_resources.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "make them equal")
}

test_fractional_gpu_is_denied if {
	obj := json.patch(fixtures.model_server, [
		{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu", "value": "500m"},
		{"op": "replace", "path": "/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu", "value": "500m"},
	])
	findings := gpu_resources.deny with input as obj
	count(findings) == 2
	every f in findings {
		contains(f.msg, "whole number")
	}
}

# A LeaderWorkerSet's worker containers are checked as well as its leader's.
test_leader_worker_set_passes if {
	count(gpu_resources.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_with_unequal_gpus_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/resources/limits/nvidia.com~1gpu", "value": 4}])
	findings := gpu_resources.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-001"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "requests 8 nvidia.com/gpu but limits 4")
}
