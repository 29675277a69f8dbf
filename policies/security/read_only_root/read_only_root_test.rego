package security.read_only_root_test

import data.lib.fixtures
import data.security.read_only_root

test_read_only_root_passes if {
	count(read_only_root.deny) == 0 with input as fixtures.model_server
}

test_writable_root_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/initContainers/0/securityContext/readOnlyRootFilesystem", "value": false}])
	findings := read_only_root.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-005"
	f.container == "model-cache-fill"
}

# A LeaderWorkerSet's worker containers are checked as well as its leader's.
test_leader_worker_set_passes if {
	count(read_only_root.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_is_checked if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/securityContext/readOnlyRootFilesystem", "value": false}])
	findings := read_only_root.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-005"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "root filesystem")
}
