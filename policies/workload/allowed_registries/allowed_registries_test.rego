package workload.allowed_registries_test

import data.lib.fixtures
import data.workload.allowed_registries

registries := {
	"allowed": [`^777788889999\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/`, `^public\.ecr\.aws/aws-cli/aws-cli[:@]`, `^docker\.io/vllm/`],
	"rate_limited": [{"pattern": `^docker\.io/`, "name": "Docker Hub", "instead": "the ECR pull-through cache"}],
}

test_allowed_registries_pass if {
	count(allowed_registries.deny) == 0 with input as fixtures.model_server with data.registries as registries
}

test_other_registry_is_denied if {
	image := sprintf("ghcr.io/someone/vllm:v1@%s", [fixtures.digest])
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}])
	findings := allowed_registries.deny with input as obj with data.registries as registries
	count(findings) == 1
	some f in findings
	f.policy == "WL-004"
	f.container == "vllm"
	contains(f.msg, "ghcr.io/someone/vllm")
}

test_docker_hub_is_refused_by_name_even_when_a_pattern_allows_it if {
	image := sprintf("docker.io/vllm/vllm-openai:v0.28.0@%s", [fixtures.digest])
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}])
	findings := allowed_registries.deny with input as obj with data.registries as registries
	count(findings) == 1
	some f in findings
	contains(f.msg, "from Docker Hub, whose anonymous pulls are rate-limited")
	endswith(f.msg, "pull it from the ECR pull-through cache")
}

test_short_docker_hub_names_are_docker_hub if {
	image := sprintf("vllm/vllm-openai:v0.28.0@%s", [fixtures.digest])
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}])
	findings := allowed_registries.deny with input as obj with data.registries as registries
	count(findings) == 1
	some f in findings
	contains(f.msg, "Docker Hub")
}

test_official_images_live_under_library if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "vllm-openai"}])
	findings := allowed_registries.deny with input as obj with data.registries as {"allowed": registries.allowed}
	count(findings) == 1
	some f in findings
	contains(f.msg, "vllm-openai")
}

test_nothing_is_allowed_without_data if {
	findings := allowed_registries.deny with input as fixtures.model_server with data.registries as {}
	count(findings) == 2
}

test_leader_worker_set_from_ecr_passes if {
	count(allowed_registries.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_from_an_unknown_registry_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/image", "value": sprintf("quay.io/someone/vllm:v0.28.0@%s", [fixtures.digest])}])
	findings := allowed_registries.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-004"
	f.kind == "LeaderWorkerSet"
}
