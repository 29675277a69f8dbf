package workload.allowed_registries_test

import data.lib.fixtures
import data.workload.allowed_registries

registries := {"allowed": [`^docker\.io/vllm/vllm-openai[:@]`, `^public\.ecr\.aws/aws-cli/aws-cli[:@]`]}

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

test_short_docker_hub_names_are_expanded if {
	image := sprintf("vllm/vllm-openai:v0.28.0@%s", [fixtures.digest])
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}])
	count(allowed_registries.deny) == 0 with input as obj with data.registries as registries
}

test_official_images_live_under_library if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "vllm-openai"}])
	findings := allowed_registries.deny with input as obj with data.registries as registries
	count(findings) == 1
	some f in findings
	contains(f.msg, "vllm-openai")
}

test_nothing_is_allowed_without_data if {
	findings := allowed_registries.deny with input as fixtures.model_server with data.registries as {}
	count(findings) == 2
}
