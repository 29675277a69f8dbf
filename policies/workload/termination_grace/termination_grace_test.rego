package workload.termination_grace_test

import data.lib.fixtures
import data.workload.termination_grace

test_grace_longer_than_drain_passes if {
	count(termination_grace.deny) == 0 with input as fixtures.model_server
}

test_grace_equal_to_drain_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/terminationGracePeriodSeconds", "value": 120}])
	findings := termination_grace.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-007"
	f.container == "vllm"
	contains(f.msg, "sleeps 120 s")
}

test_default_grace_is_thirty_seconds if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/terminationGracePeriodSeconds"}])
	findings := termination_grace.deny with input as obj
	some f in findings
	contains(f.msg, "terminationGracePeriodSeconds is 30")
}

test_exec_sleep_is_understood if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/lifecycle", "value": {"preStop": {"exec": {"command": ["/bin/sh", "-c", "sleep 200"]}}}}])
	count(termination_grace.deny) == 1 with input as obj
}

test_no_prestop_passes if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/containers/0/lifecycle"}])
	count(termination_grace.deny) == 0 with input as obj
}

test_leader_worker_set_grace_outlasting_the_drain_passes if {
	count(termination_grace.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_leader_draining_past_the_grace_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/lifecycle/preStop/sleep/seconds", "value": 330}])
	findings := termination_grace.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-007"
	f.kind == "LeaderWorkerSet"
}
