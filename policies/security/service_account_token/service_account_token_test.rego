package security.service_account_token_test

import data.lib.fixtures
import data.security.service_account_token

test_explicitly_disabled_token_passes if {
	count(service_account_token.deny) == 0 with input as fixtures.model_server
}

test_explicitly_enabled_token_passes if {
	obj := json.patch(fixtures.web, [{"op": "replace", "path": "/spec/template/spec/automountServiceAccountToken", "value": true}])
	count(service_account_token.deny) == 0 with input as obj
}

test_implicit_token_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "remove", "path": "/spec/template/spec/automountServiceAccountToken"}])
	findings := service_account_token.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-007"
	contains(f.msg, "automountServiceAccountToken: false")
}

test_leader_worker_set_passes if {
	count(service_account_token.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_without_the_setting_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [
		{"op": "remove", "path": "/spec/leaderWorkerTemplate/leaderTemplate/spec/automountServiceAccountToken"},
		{"op": "remove", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/automountServiceAccountToken"},
	])
	findings := service_account_token.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-007"
	f.kind == "LeaderWorkerSet"
}
