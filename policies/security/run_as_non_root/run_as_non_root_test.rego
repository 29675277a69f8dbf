package security.run_as_non_root_test

import data.lib.fixtures
import data.security.run_as_non_root

test_non_root_pod_passes if {
	count(run_as_non_root.deny) == 0 with input as fixtures.model_server
}

test_pod_level_setting_covers_containers if {
	obj := json.patch(fixtures.web, [{"op": "remove", "path": "/spec/template/spec/containers/0/securityContext/runAsNonRoot"}])
	count(run_as_non_root.deny) == 0 with input as obj
}

test_no_setting_anywhere_is_denied if {
	obj := json.patch(fixtures.web, [
		{"op": "remove", "path": "/spec/template/spec/containers/0/securityContext/runAsNonRoot"},
		{"op": "remove", "path": "/spec/template/spec/securityContext/runAsNonRoot"},
	])
	findings := run_as_non_root.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-001"
	f.container == "gateway"
}

test_container_overriding_with_false_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "replace", "path": "/spec/template/spec/containers/0/securityContext/runAsNonRoot", "value": false}])
	count(run_as_non_root.deny) == 1 with input as obj
}

test_uid_zero_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "add", "path": "/spec/template/spec/initContainers/0/securityContext/runAsUser", "value": 0}])
	findings := run_as_non_root.deny with input as obj
	count(findings) == 1
	some f in findings
	f.container == "model-cache-fill"
	contains(f.msg, "runAsUser 0")
}

# A LeaderWorkerSet's worker containers are checked as well as its leader's.
test_leader_worker_set_passes if {
	count(run_as_non_root.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_is_checked if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "add", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/securityContext/runAsUser", "value": 0}])
	findings := run_as_non_root.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-001"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "runAsUser 0")
}
