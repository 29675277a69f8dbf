package workload.probes_test

import data.lib.fixtures
import data.workload.probes

test_model_server_with_enough_startup_budget_passes if {
	count(probes.deny) == 0 with input as fixtures.model_server
}

test_missing_readiness_probe_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "remove", "path": "/spec/template/spec/containers/0/readinessProbe"}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-002"
	f.container == "gateway"
	contains(f.msg, "readinessProbe")
}

test_model_server_without_startup_probe_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/containers/0/startupProbe"}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "no startupProbe")
}

# 70 billion parameters need 300 + 15 x 70 = 1350 s; the fixture gives 450 s.
test_startup_budget_shorter_than_the_load_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/metadata/annotations", "value": {"eks-llm-gitops.io/parameters-billions": "70"}}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "gives start-up 450 s")
	contains(f.msg, "needs 1350 s")
}

test_startup_budget_counts_initial_delay if {
	obj := json.patch(fixtures.model_server, [
		{"op": "replace", "path": "/metadata/annotations", "value": {"eks-llm-gitops.io/parameters-billions": "70"}},
		{"op": "add", "path": "/spec/template/spec/containers/0/startupProbe/initialDelaySeconds", "value": 900},
	])
	count(probes.deny) == 0 with input as obj
}

test_model_server_without_size_annotation_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/metadata/annotations"}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "eks-llm-gitops.io/parameters-billions")
}

test_jobs_need_no_probes if {
	job := {
		"apiVersion": "batch/v1",
		"kind": "Job",
		"metadata": {"name": "warm", "namespace": "llm-demo"},
		"spec": {"template": {"spec": {"containers": [{"name": "warm", "image": "x"}]}}},
	}
	count(probes.deny) == 0 with input as job
}
