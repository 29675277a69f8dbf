package workload.pdb_drains_test

import data.workload.pdb_drains

budget(spec) := {
	"apiVersion": "policy/v1",
	"kind": "PodDisruptionBudget",
	"metadata": {"name": "demo", "namespace": "llm-demo"},
	"spec": object.union({"selector": {"matchLabels": {"app.kubernetes.io/instance": "demo"}}}, spec),
}

test_max_unavailable_one_passes if {
	count(pdb_drains.deny) == 0 with input as budget({"maxUnavailable": 1})
}

test_min_available_below_all_passes if {
	count(pdb_drains.deny) == 0 with input as budget({"minAvailable": "50%"})
}

test_max_unavailable_zero_is_denied if {
	findings := pdb_drains.deny with input as budget({"maxUnavailable": 0})
	count(findings) == 1
	some f in findings
	f.policy == "WL-005"
	f.kind == "PodDisruptionBudget"
	contains(f.msg, "maxUnavailable is 0")
}

test_max_unavailable_zero_percent_is_denied if {
	count(pdb_drains.deny) == 1 with input as budget({"maxUnavailable": "0%"})
}

test_min_available_hundred_percent_is_denied if {
	findings := pdb_drains.deny with input as budget({"minAvailable": "100%"})
	count(findings) == 1
	some f in findings
	contains(f.msg, "minAvailable is 100%")
}
