package workload.image_digest_test

import data.lib.fixtures
import data.workload.image_digest

test_images_pinned_by_digest_pass if {
	count(image_digest.deny) == 0 with input as fixtures.model_server
}

test_tag_without_digest_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "docker.io/vllm/vllm-openai:v0.28.0"}])
	findings := image_digest.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-003"
	f.container == "vllm"
	contains(f.msg, "not pinned by digest")
}

test_latest_is_denied_even_with_a_digest if {
	image := sprintf("docker.io/vllm/vllm-openai:latest@%s", [fixtures.digest])
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/initContainers/0/image", "value": image}])
	findings := image_digest.deny with input as obj
	count(findings) == 1
	some f in findings
	f.container == "model-cache-fill"
	contains(f.msg, "tagged latest")
}

test_registry_port_is_not_a_tag if {
	not image_digest.image_tag("registry.local:5000/team/app")
}

test_tag_of_plain_image if {
	image_digest.image_tag("nginx:latest") == "latest"
}

test_leader_worker_set_pinned_by_digest_passes if {
	count(image_digest.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_by_tag_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/image", "value": "777788889999.dkr.ecr.us-west-2.amazonaws.com/docker-hub/vllm/vllm-openai:v0.28.0"}])
	findings := image_digest.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-003"
	f.kind == "LeaderWorkerSet"
}
