package workload.probes_test

import data.lib.fixtures
import data.workload.probes

estimate_path := "/metadata/annotations/eks-llm-gitops.io~1time-to-ready"

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

# The chart estimates the engine starts in 500 s; the fixture gives 450 s.
test_startup_budget_shorter_than_the_estimate_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": estimate_path, "value": fixtures.time_to_ready(500, 420)}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-002"
	contains(f.msg, "gives start-up 450 s")
	contains(f.msg, "needs 500 s")
}

# Whatever the estimate, no budget is below base_seconds (300 s).
test_startup_budget_below_the_floor_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/startupProbe/failureThreshold", "value": 20}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "gives start-up 200 s")
	contains(f.msg, "needs 300 s")
}

test_startup_budget_counts_initial_delay if {
	obj := json.patch(fixtures.model_server, [
		{"op": "replace", "path": estimate_path, "value": fixtures.time_to_ready(1000, 420)},
		{"op": "add", "path": "/spec/template/spec/containers/0/startupProbe/initialDelaySeconds", "value": 550},
	])
	count(probes.deny) == 0 with input as obj
}

# A 70B server gets 590 s from the chart (2 x 295 s rounded up to 10 s): enough.
test_the_charts_budget_for_a_70b_server_passes if {
	obj := json.patch(fixtures.model_server, [
		{"op": "replace", "path": estimate_path, "value": fixtures.time_to_ready(295, 580)},
		{"op": "replace", "path": "/spec/template/spec/containers/0/startupProbe/failureThreshold", "value": 59},
	])
	count(probes.deny) == 0 with input as obj
}

test_progress_deadline_shorter_than_the_first_replica_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "add", "path": "/spec/progressDeadlineSeconds", "value": 300}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-002"
	contains(f.msg, "progressDeadlineSeconds 300")
	contains(f.msg, "420 s")
}

# Unset, the deadline is 600 s: too short for a first replica estimated at 900 s.
test_default_progress_deadline_counts if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": estimate_path, "value": fixtures.time_to_ready(200, 900)}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "progressDeadlineSeconds 600")
	with_deadline := json.patch(obj, [{"op": "add", "path": "/spec/progressDeadlineSeconds", "value": 960}])
	count(probes.deny) == 0 with input as with_deadline
}

test_model_server_without_the_estimate_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": estimate_path}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-002"
	contains(f.msg, "no eks-llm-gitops.io/time-to-ready annotation")
	contains(f.msg, "engineStartSeconds and firstReplicaSeconds")
}

test_the_estimate_may_sit_on_the_pod_template if {
	obj := json.patch(fixtures.model_server, [
		{"op": "remove", "path": estimate_path},
		{"op": "add", "path": "/spec/template/metadata/annotations/eks-llm-gitops.io~1time-to-ready", "value": fixtures.time_to_ready(200, 420)},
	])
	count(probes.deny) == 0 with input as obj
}

test_an_estimate_that_does_not_parse_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": estimate_path, "value": "engineStartSeconds=200"}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "not a JSON object")
}

test_an_estimate_without_its_numbers_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": estimate_path, "value": "{\"engineStartSeconds\":\"200\",\"family\":\"p5\"}"}])
	findings := probes.deny with input as obj
	{f.msg | some f in findings} == {
		"Deployment llm-demo/demo: sets eks-llm-gitops.io/time-to-ready without engineStartSeconds as a number of seconds; add it (the chart's estimate, a number of seconds)",
		"Deployment llm-demo/demo: sets eks-llm-gitops.io/time-to-ready without firstReplicaSeconds as a number of seconds; add it (the chart's estimate, a number of seconds)",
	}
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

# LeaderWorkerSets: the headless workers carry no probes; the leader carries them all.
test_leader_worker_set_with_probes_on_its_leader_passes if {
	count(probes.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_without_readiness_probe_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "remove", "path": "/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/readinessProbe"}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-002"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "leader container \"vllm\" has no readinessProbe")
}

test_leader_startup_budget_shorter_than_the_estimate_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/startupProbe/failureThreshold", "value": 30}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "leader container \"vllm\" gives start-up 300 s")
	contains(f.msg, "needs 400 s")
}

test_leader_worker_set_without_the_estimate_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "remove", "path": estimate_path}])
	findings := probes.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "annotate the LeaderWorkerSet")
}

# Without a leaderTemplate the leader runs the worker template, which then needs the probes.
test_leader_worker_set_without_leader_template_probes_its_workers if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "remove", "path": "/spec/leaderWorkerTemplate/leaderTemplate"}])
	findings := probes.deny with input as obj
	{f.msg | some f in findings} == {
		"LeaderWorkerSet llm-big/big: leader container \"vllm\" has no readinessProbe; add one (an HTTP health endpoint for servers); only a LeaderWorkerSet's headless workers go without (the leader's probes gate the group)",
		"LeaderWorkerSet llm-big/big: leader container \"vllm\" has no livenessProbe; add one (an HTTP health endpoint for servers); only a LeaderWorkerSet's headless workers go without (the leader's probes gate the group)",
		"LeaderWorkerSet llm-big/big: model server leader container \"vllm\" has no startupProbe; add one whose budget covers the engine's start (the eks-llm-gitops.io/time-to-ready annotation's engineStartSeconds, at least 300 s)",
	}
}
