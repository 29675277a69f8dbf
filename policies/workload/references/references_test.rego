package workload.references_test

import data.lib.fixtures
import data.workload.references

account := {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "demo", "namespace": "llm-demo"}}

claim := {
	"apiVersion": "v1",
	"kind": "PersistentVolumeClaim",
	"metadata": {"name": "model-cache", "namespace": "llm-demo"},
	"spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Ti"}}},
}

config_map := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "llm-demo"}, "data": {}}

with_claim := json.patch(fixtures.model_server, [{"op": "add", "path": "/spec/template/spec/volumes/-", "value": {"name": "model-cache", "persistentVolumeClaim": {"claimName": "model-cache"}}}])

with_config_map(optional) := json.patch(fixtures.model_server, [{"op": "add", "path": "/spec/template/spec/containers/0/envFrom", "value": [{"configMapRef": {"name": "settings", "optional": optional}}]}])

test_existing_references_pass if {
	count(references.deny) == 0 with input as fixtures.combined([with_claim, account, claim])
}

test_missing_service_account_is_denied if {
	findings := references.deny with input as fixtures.combined([fixtures.model_server])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-004"
	contains(f.msg, "ServiceAccount \"demo\"")
}

test_default_service_account_always_exists if {
	count(references.deny) == 0 with input as fixtures.combined([fixtures.web])
}

test_missing_claim_is_denied if {
	findings := references.deny with input as fixtures.combined([with_claim, account])
	count(findings) == 1
	some f in findings
	contains(f.msg, "PersistentVolumeClaim \"model-cache\"")
}

test_missing_config_map_is_denied_unless_optional if {
	count(references.deny) == 1 with input as fixtures.combined([with_config_map(false), account])
	count(references.deny) == 0 with input as fixtures.combined([with_config_map(true), account])
	count(references.deny) == 0 with input as fixtures.combined([with_config_map(false), account, config_map])
}

test_config_map_volume_and_root_ca if {
	obj := json.patch(fixtures.model_server, [{"op": "add", "path": "/spec/template/spec/volumes/-", "value": {"name": "ca", "configMap": {"name": "kube-root-ca.crt"}}}])
	count(references.deny) == 0 with input as fixtures.combined([obj, account])
}

lws_account := {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "big", "namespace": "llm-big"}}

test_leader_worker_set_with_its_service_account_passes if {
	count(references.deny) == 0 with input as fixtures.combined([fixtures.lws_model_server, lws_account])
}

test_leader_worker_set_without_its_service_account_is_denied if {
	findings := references.deny with input as fixtures.combined([fixtures.lws_model_server])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-004"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "ServiceAccount \"big\"")
}

test_leader_worker_set_leader_reading_a_missing_config_map_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "add", "path": "/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/envFrom", "value": [{"configMapRef": {"name": "engine"}}]}])
	findings := references.deny with input as fixtures.combined([obj, lws_account])
	count(findings) == 1
	some f in findings
	contains(f.msg, "ConfigMap \"engine\"")
}
