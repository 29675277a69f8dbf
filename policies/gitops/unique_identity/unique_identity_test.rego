package gitops.unique_identity_test

import data.gitops.unique_identity
import data.lib.fixtures

test_distinct_objects_pass if {
	other := json.patch(fixtures.web, [{"op": "replace", "path": "/metadata/namespace", "value": "gateway-canary"}])
	count(unique_identity.deny) == 0 with input as fixtures.combined([fixtures.web, other, fixtures.model_server])
}

test_same_object_twice_is_denied if {
	findings := unique_identity.deny with input as fixtures.combined([fixtures.web, fixtures.model_server, fixtures.web])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-005"
	f.name == "gateway"
	contains(f.msg, "doc-0.yaml and in doc-2.yaml")
}

test_same_name_different_group_passes if {
	service := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gateway", "namespace": "gateway"}, "spec": {}}
	count(unique_identity.deny) == 0 with input as fixtures.combined([fixtures.web, service])
}

test_multi_document_files_are_split if {
	files := [{"path": "all.yaml", "contents": [fixtures.web, fixtures.web]}]
	count(unique_identity.deny) == 1 with input as files
}

test_a_leader_worker_set_and_a_deployment_of_one_name_are_distinct if {
	deployment := json.patch(fixtures.model_server, [
		{"op": "replace", "path": "/metadata/name", "value": "big"},
		{"op": "replace", "path": "/metadata/namespace", "value": "llm-big"},
	])
	count(unique_identity.deny) == 0 with input as fixtures.combined([fixtures.lws_model_server, deployment])
}

test_a_leader_worker_set_declared_twice_is_denied if {
	findings := unique_identity.deny with input as fixtures.combined([fixtures.lws_model_server, fixtures.lws_model_server])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-005"
	f.kind == "LeaderWorkerSet"
}
