package gpu.gpu_placement_test

import data.gpu.gpu_placement
import data.lib.fixtures

test_gpu_pod_on_gpu_pool_passes if {
	count(gpu_placement.deny) == 0 with input as fixtures.model_server with data.gpu_nodepools as ["gpu", "gpu-efa"]
}

test_cpu_pod_off_gpu_pools_passes if {
	count(gpu_placement.deny) == 0 with input as fixtures.web with data.gpu_nodepools as ["gpu", "gpu-efa"]
}

test_gpu_pod_without_toleration_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/tolerations"}])
	findings := gpu_placement.deny with input as obj with data.gpu_nodepools as ["gpu"]
	count(findings) == 1
	some f in findings
	f.policy == "GPU-002"
	contains(f.msg, "does not tolerate")
}

test_gpu_pod_on_general_pool_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/nodeSelector", "value": {"karpenter.sh/nodepool": "general"}}])
	findings := gpu_placement.deny with input as obj with data.gpu_nodepools as ["gpu"]
	count(findings) == 1
	some f in findings
	contains(f.msg, "does not select a GPU NodePool")
}

test_gpu_pool_by_node_affinity_passes if {
	affinity := {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "karpenter.sh/nodepool", "operator": "In", "values": ["gpu", "gpu-efa"]}]}]}}}
	obj := json.patch(fixtures.model_server, [
		{"op": "remove", "path": "/spec/template/spec/nodeSelector"},
		{"op": "add", "path": "/spec/template/spec/affinity", "value": affinity},
	])
	count(gpu_placement.deny) == 0 with input as obj with data.gpu_nodepools as ["gpu", "gpu-efa"]
}

test_cpu_pod_tolerating_gpu_taint_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/tolerations", "value": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]}])
	findings := gpu_placement.deny with input as obj with data.gpu_nodepools as ["gpu"]
	count(findings) == 1
	some f in findings
	contains(f.msg, "tolerates the GPU taint")
}

test_cpu_pod_tolerating_everything_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/tolerations", "value": [{"operator": "Exists"}]}])
	count(gpu_placement.deny) == 1 with input as obj with data.gpu_nodepools as ["gpu"]
}

test_cpu_pod_selecting_gpu_pool_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/nodeSelector", "value": {"karpenter.sh/nodepool": "gpu"}}])
	findings := gpu_placement.deny with input as obj with data.gpu_nodepools as ["gpu"]
	count(findings) == 1
	some f in findings
	contains(f.msg, "selects a GPU NodePool")
}

test_daemonsets_may_tolerate_gpu_nodes if {
	agent := {
		"apiVersion": "apps/v1",
		"kind": "DaemonSet",
		"metadata": {"name": "dcgm-exporter", "namespace": "gpu-system"},
		"spec": {"template": {"spec": {
			"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
			"containers": [{"name": "exporter", "image": "nvcr.io/nvidia/k8s/dcgm-exporter"}],
		}}},
	}
	count(gpu_placement.deny) == 0 with input as agent with data.gpu_nodepools as ["gpu"]
}

test_leader_worker_set_on_a_gpu_pool_passes if {
	count(gpu_placement.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_without_the_gpu_toleration_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [
		{"op": "remove", "path": "/spec/leaderWorkerTemplate/leaderTemplate/spec/tolerations"},
		{"op": "remove", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/tolerations"},
	])
	findings := gpu_placement.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-002"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "does not tolerate")
}
