package workload.leader_worker_templates_test

import data.lib.fixtures
import data.workload.leader_worker_templates

leader := "/spec/leaderWorkerTemplate/leaderTemplate/spec"

test_templates_that_differ_only_in_containers_pass if {
	count(leader_worker_templates.deny) == 0 with input as fixtures.lws_model_server
}

test_a_different_service_account_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": sprintf("%s/serviceAccountName", [leader]), "value": "other"}])
	findings := leader_worker_templates.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-010"
	f.kind == "LeaderWorkerSet"
	f.msg == "LeaderWorkerSet llm-big/big: sets the pod field serviceAccountName differently in its leaderTemplate (\"other\") and its workerTemplate (\"big\"); make them equal: only containers and initContainers may differ"
}

test_a_field_only_one_template_sets_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "add", "path": sprintf("%s/priorityClassName", [leader]), "value": "llm-serving"}])
	findings := leader_worker_templates.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "priorityClassName differently in its leaderTemplate (\"llm-serving\") and its workerTemplate (unset)")
}

test_different_init_containers_pass if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "add", "path": sprintf("%s/initContainers", [leader]), "value": [fixtures.model_server.spec.template.spec.initContainers[0]]}])
	count(leader_worker_templates.deny) == 0 with input as obj
}

test_without_a_leader_template_both_run_the_worker_template if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "remove", "path": "/spec/leaderWorkerTemplate/leaderTemplate"}])
	count(leader_worker_templates.deny) == 0 with input as obj
}

test_restart_policy_other_than_recreating_the_group_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/restartPolicy", "value": "None"}])
	findings := leader_worker_templates.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-010"
	contains(f.msg, "restartPolicy None; set it to RecreateGroupOnPodRestart")
}

test_unset_restart_policy_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "remove", "path": "/spec/leaderWorkerTemplate/restartPolicy"}])
	findings := leader_worker_templates.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "restartPolicy unset")
}

test_other_kinds_are_not_concerned if {
	count(leader_worker_templates.deny) == 0 with input as fixtures.model_server
}
