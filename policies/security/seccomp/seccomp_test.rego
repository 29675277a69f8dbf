package security.seccomp_test

import data.lib.fixtures
import data.security.seccomp

test_pod_runtime_default_passes if {
	count(seccomp.deny) == 0 with input as fixtures.model_server
}

test_no_profile_is_denied_per_container if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/securityContext/seccompProfile"}])
	findings := seccomp.deny with input as obj
	count(findings) == 2
	every f in findings {
		f.policy == "SEC-004"
	}
}

test_container_unconfined_overrides_the_pod if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/seccompProfile", "value": {"type": "Unconfined"}}])
	findings := seccomp.deny with input as obj
	count(findings) == 1
	some f in findings
	f.container == "gateway"
}

# A LeaderWorkerSet's worker containers are checked as well as its leader's.
test_leader_worker_set_passes if {
	count(seccomp.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_is_checked if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "add", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/securityContext/seccompProfile", "value": {"type": "Unconfined"}}])
	findings := seccomp.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-004"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "seccomp")
}
