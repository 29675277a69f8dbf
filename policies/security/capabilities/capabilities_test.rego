package security.capabilities_test

import data.lib.fixtures
import data.security.capabilities

test_drop_all_passes if {
	count(capabilities.deny) == 0 with input as fixtures.model_server
}

test_net_bind_service_may_be_added if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/capabilities/add", "value": ["NET_BIND_SERVICE"]}])
	count(capabilities.deny) == 0 with input as obj
}

test_keeping_capabilities_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "remove", "path": "/spec/template/spec/containers/0/securityContext/capabilities"}])
	findings := capabilities.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-003"
	f.container == "gateway"
	contains(f.msg, "drop: [ALL]")
}

test_adding_sys_admin_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/capabilities/add", "value": ["SYS_ADMIN"]}])
	findings := capabilities.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "SYS_ADMIN")
}

# A LeaderWorkerSet's worker containers are checked as well as its leader's.
test_leader_worker_set_passes if {
	count(capabilities.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_is_checked if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "add", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/securityContext/capabilities/add", "value": ["SYS_ADMIN"]}])
	findings := capabilities.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-003"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "SYS_ADMIN")
}
