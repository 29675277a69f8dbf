package security.privilege_escalation_test

import data.lib.fixtures
import data.security.privilege_escalation

test_unprivileged_containers_pass if {
	count(privilege_escalation.deny) == 0 with input as fixtures.model_server
}

test_missing_setting_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation"}])
	findings := privilege_escalation.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-002"
	f.container == "vllm"
}

test_privileged_container_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/privileged", "value": true}])
	findings := privilege_escalation.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "privileged")
}

# A LeaderWorkerSet's worker containers are checked as well as its leader's.
test_leader_worker_set_passes if {
	count(privilege_escalation.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_is_checked if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/securityContext/allowPrivilegeEscalation", "value": true}])
	findings := privilege_escalation.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-002"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "may escalate")
}
