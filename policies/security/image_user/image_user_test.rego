package security.image_user_test

import data.lib.fixtures
import data.security.image_user

users := [
	{"image": "/vllm/vllm-openai[:@]", "uids": [0, 65534]},
	{"image": "/aws-cli/aws-cli[:@]", "uids": [0]},
]

test_containers_that_say_who_they_are_pass if {
	count(image_user.deny) == 0 with input as fixtures.model_server with data.image_users as users
}

test_a_uid_the_image_lacks_without_user_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/containers/0/env"}])
	findings := image_user.deny with input as obj with data.image_users as users
	count(findings) == 1
	some f in findings
	f.policy == "SEC-008"
	f.container == "vllm"
	contains(f.msg, "uid 1000")
	contains(f.msg, "777788889999.dkr.ecr.us-west-2.amazonaws.com/docker-hub/vllm/vllm-openai:v0.28.0 does not define")
	contains(f.msg, "HOME, USER, LOGNAME")
}

test_each_missing_variable_is_named if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/spec/initContainers/0/env/2"}])
	findings := image_user.deny with input as obj with data.image_users as users
	count(findings) == 1
	some f in findings
	f.container == "model-cache-fill"
	endswith(split(f.msg, ";")[1], " set LOGNAME in its env (or run as a user the image has, per policies/data/image-users.yaml)")
}

test_an_empty_value_does_not_count if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/env/1/value", "value": ""}])
	count(image_user.deny) == 1 with input as obj with data.image_users as users
}

test_a_uid_the_image_defines_needs_nothing if {
	obj := json.patch(fixtures.model_server, [
		{"op": "remove", "path": "/spec/template/spec/containers/0/env"},
		{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/runAsUser", "value": 65534},
	])
	count(image_user.deny) == 0 with input as obj with data.image_users as users
}

test_an_image_pulled_through_a_cache_is_still_known if {
	obj := json.patch(fixtures.model_server, [
		{"op": "remove", "path": "/spec/template/spec/containers/0/env"},
		{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/runAsUser", "value": 65534},
		{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "777788889999.dkr.ecr.us-west-2.amazonaws.com/docker-hub/vllm/vllm-openai@sha256:0000000000000000000000000000000000000000000000000000000000000000"},
	])
	count(image_user.deny) == 0 with input as obj with data.image_users as users
}

test_an_image_the_data_does_not_list_is_judged_by_its_env if {
	obj := json.patch(fixtures.web, [{"op": "remove", "path": "/spec/template/spec/containers/0/env"}])
	findings := image_user.deny with input as obj with data.image_users as users
	count(findings) == 1
	some f in findings
	f.container == "gateway"
}

test_no_uid_anywhere_is_the_image_own_user if {
	obj := json.patch(fixtures.web, [
		{"op": "remove", "path": "/spec/template/spec/containers/0/env"},
		{"op": "remove", "path": "/spec/template/spec/securityContext/runAsUser"},
	])
	count(image_user.deny) == 0 with input as obj with data.image_users as users
}

# A LeaderWorkerSet's worker containers are checked as well as its leader's.
test_leader_worker_set_passes if {
	count(image_user.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_is_checked if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/env", "value": []}])
	findings := image_user.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-008"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "HOME, USER, LOGNAME")
}
