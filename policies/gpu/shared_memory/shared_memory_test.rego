package gpu.shared_memory_test

import data.gpu.shared_memory
import data.lib.fixtures

two_gpus := [
	{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu", "value": 2},
	{"op": "replace", "path": "/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu", "value": 2},
]

test_single_gpu_needs_no_shm if {
	count(shared_memory.deny) == 0 with input as fixtures.model_server
}

test_multi_gpu_without_shm_is_denied if {
	findings := shared_memory.deny with input as json.patch(fixtures.model_server, two_gpus)
	count(findings) == 1
	some f in findings
	f.policy == "GPU-004"
	f.container == "vllm"
	contains(f.msg, "/dev/shm")
}

test_multi_gpu_with_memory_shm_passes if {
	obj := json.patch(fixtures.model_server, array.concat(two_gpus, [
		{"op": "add", "path": "/spec/template/spec/volumes/-", "value": {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}}},
		{"op": "add", "path": "/spec/template/spec/containers/0/volumeMounts", "value": [{"name": "shm", "mountPath": "/dev/shm"}]},
	]))
	count(shared_memory.deny) == 0 with input as obj
}

test_disk_backed_shm_is_denied if {
	obj := json.patch(fixtures.model_server, array.concat(two_gpus, [
		{"op": "add", "path": "/spec/template/spec/volumes/-", "value": {"name": "shm", "emptyDir": {}}},
		{"op": "add", "path": "/spec/template/spec/containers/0/volumeMounts", "value": [{"name": "shm", "mountPath": "/dev/shm"}]},
	]))
	count(shared_memory.deny) == 1 with input as obj
}

test_leader_worker_set_with_shm_passes if {
	count(shared_memory.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_without_shm_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "remove", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/volumeMounts/0"}])
	findings := shared_memory.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-004"
	f.kind == "LeaderWorkerSet"
}

# A warm-capacity placeholder holds eight GPUs but runs no NCCL; a Deployment at its priority
# class that runs an engine does.
test_placeholder_needs_no_shm if {
	count(shared_memory.deny) == 0 with input as fixtures.placeholder
}

test_near_placeholder_without_shm_is_denied if {
	obj := json.patch(fixtures.placeholder, [{"op": "add", "path": "/spec/template/spec/containers/0/args", "value": ["--tensor-parallel-size", "8"]}])
	findings := shared_memory.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-004"
	f.container == "image-0"
}
