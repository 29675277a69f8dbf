package gpu.nodepools_test

import data.gpu.nodepools

gpu_pool := {
	"apiVersion": "karpenter.sh/v1",
	"kind": "NodePool",
	"metadata": {"name": "gpu"},
	"spec": {
		"limits": {"cpu": "1024", "memory": "10Ti", "nvidia.com/gpu": "64"},
		"disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "30m", "budgets": [{"nodes": "1"}]},
		"template": {"spec": {
			"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "gpu"},
			"expireAfter": "Never",
			"taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
			"requirements": [
				{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g6e", "p5"]},
				{"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
			],
		}},
	},
}

general_pool := {
	"apiVersion": "karpenter.sh/v1",
	"kind": "NodePool",
	"metadata": {"name": "general"},
	"spec": {
		"limits": {"cpu": "256", "memory": "1024Gi"},
		"disruption": {"budgets": [{"nodes": "10%"}]},
		"template": {"spec": {
			"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "general"},
			"requirements": [{"key": "karpenter.k8s.aws/instance-category", "operator": "In", "values": ["c", "m", "r"]}],
		}},
	},
}

test_bounded_pools_pass if {
	count(nodepools.deny) == 0 with input as gpu_pool with data.gpu_nodepools as ["gpu"]
	count(nodepools.deny) == 0 with input as general_pool with data.gpu_nodepools as ["gpu"]
}

test_pool_without_limits_is_denied if {
	findings := nodepools.deny with input as json.patch(general_pool, [{"op": "remove", "path": "/spec/limits"}])
	count(findings) == 1
	some f in findings
	f.policy == "GPU-005"
	f.kind == "NodePool"
	f.name == "general"
	contains(f.msg, "sets no limits")
}

test_pool_without_budgets_is_denied if {
	findings := nodepools.deny with input as json.patch(general_pool, [{"op": "remove", "path": "/spec/disruption/budgets"}])
	count(findings) == 1
	some f in findings
	contains(f.msg, "disruption budgets")
}

test_gpu_pool_without_taint_is_denied if {
	findings := nodepools.deny with input as json.patch(gpu_pool, [{"op": "remove", "path": "/spec/template/spec/taints"}])
	count(findings) == 1
	some f in findings
	contains(f.msg, "without the taint")
}

test_gpu_pool_without_family_list_is_denied if {
	obj := json.patch(gpu_pool, [{"op": "replace", "path": "/spec/template/spec/requirements", "value": [{"key": "karpenter.k8s.aws/instance-gpu-manufacturer", "operator": "In", "values": ["nvidia"]}]}])
	findings := nodepools.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "instance-family allow-list")
}

test_gpu_pool_without_gpu_cap_is_denied if {
	findings := nodepools.deny with input as json.patch(gpu_pool, [{"op": "remove", "path": "/spec/limits/nvidia.com~1gpu"}])
	count(findings) == 1
	some f in findings
	contains(f.msg, "GPU cap")
}

test_pool_named_as_gpu_in_data_is_a_gpu_pool if {
	obj := json.patch(general_pool, [{"op": "replace", "path": "/metadata/name", "value": "gpu-efa"}])

	# No taint, no GPU cap, no family list, and Karpenter's default expiry.
	count(nodepools.deny) == 4 with input as obj with data.gpu_nodepools as ["gpu", "gpu-efa"]
}

test_gpu_nodes_that_expire_are_denied if {
	findings := nodepools.deny with input as json.patch(gpu_pool, [{"op": "replace", "path": "/spec/template/spec/expireAfter", "value": "720h"}])
		with data.gpu_nodepools as ["gpu"]
	count(findings) == 1
	some f in findings
	contains(f.msg, "expireAfter 720h")
}

test_karpenter_default_expiry_is_denied_on_gpu_pools if {
	findings := nodepools.deny with input as json.patch(gpu_pool, [{"op": "remove", "path": "/spec/template/spec/expireAfter"}])
		with data.gpu_nodepools as ["gpu"]
	count(findings) == 1
}

test_a_termination_grace_period_on_gpu_pools_is_denied if {
	findings := nodepools.deny with input as json.patch(gpu_pool, [{"op": "add", "path": "/spec/template/spec/terminationGracePeriod", "value": "24h"}])
		with data.gpu_nodepools as ["gpu"]
	count(findings) == 1
	some f in findings
	contains(f.msg, "terminationGracePeriod 24h")
}

test_general_pools_may_expire if {
	count(nodepools.deny) == 0 with input as json.patch(general_pool, [
		{"op": "add", "path": "/spec/template/spec/expireAfter", "value": "720h"},
		{"op": "add", "path": "/spec/template/spec/terminationGracePeriod", "value": "2h"},
	])
		with data.gpu_nodepools as ["gpu"]
}
