package promotion.versions_test

import data.lib.config_fixtures
import data.lib.fixtures
import data.promotion.versions

server(model, version) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {
		"name": model,
		"namespace": sprintf("llm-%s", [model]),
		"labels": {
			"app.kubernetes.io/component": "model-server",
			"app.kubernetes.io/instance": model,
			"app.kubernetes.io/version": version,
		},
	},
	"spec": {"selector": {"matchLabels": {"app.kubernetes.io/instance": model}}, "template": {"spec": {"containers": []}}},
}

staging_render := [server("llama-3-1-8b-instruct", "v2026.10.3"), server("llama-3-3-70b-instruct", "v2026.10.1")]

test_versions_running_in_the_source_pass if {
	count(versions.deny) == 0 with input as fixtures.combined(array.concat([config_fixtures.prod], staging_render))
}

test_version_the_source_does_not_run_is_denied if {
	config := json.patch(config_fixtures.prod, [{"op": "replace", "path": "/models/llama-3-3-70b-instruct/version", "value": "v2026.11.1"}])
	findings := versions.deny with input as fixtures.combined(array.concat([config], staging_render))
	count(findings) == 1
	some f in findings
	f.policy == "PRM-001"
	f.kind == "ClusterConfig"
	f.name == "prod"
	contains(f.msg, "models.llama-3-3-70b-instruct.version to v2026.11.1, which staging does not run")
}

test_unchanged_versions_stay_valid_after_the_source_moves_on if {
	moved_on := [server("llama-3-1-8b-instruct", "v2026.11.2"), server("llama-3-3-70b-instruct", "v2026.11.1")]
	baseline := {"prod": {"llama-3-1-8b-instruct": "v2026.10.3", "llama-3-3-70b-instruct": "v2026.10.1"}}
	count(versions.deny) == 0 with input as fixtures.combined(array.concat([config_fixtures.prod], moved_on)) with data.llm.baseline as baseline
}

test_changed_version_is_checked_against_the_source if {
	baseline := {"prod": {"llama-3-1-8b-instruct": "v2026.10.2", "llama-3-3-70b-instruct": "v2026.10.1"}}
	moved_on := [server("llama-3-1-8b-instruct", "v2026.11.2"), server("llama-3-3-70b-instruct", "v2026.11.1")]
	findings := versions.deny with input as fixtures.combined(array.concat([config_fixtures.prod], moved_on)) with data.llm.baseline as baseline
	count(findings) == 1
	some f in findings
	contains(f.msg, "llama-3-1-8b-instruct")
}

test_environments_without_a_source_are_not_checked if {
	count(versions.deny) == 0 with input as fixtures.combined([config_fixtures.dev])
}

# A model larger than one node runs as a LeaderWorkerSet; its version label counts the same.
test_versions_a_leader_worker_set_runs_in_the_source_pass if {
	config := json.patch(config_fixtures.prod, [{"op": "add", "path": "/models/big", "value": {"version": "v2026.11.1", "replicas": {"min": 2, "max": 2}}}])
	count(versions.deny) == 0 with input as fixtures.combined(array.concat([config], array.concat(staging_render, [fixtures.lws_model_server])))
	findings := versions.deny with input as fixtures.combined(array.concat([config], staging_render))
	count(findings) == 1
	some f in findings
	f.policy == "PRM-001"
	contains(f.msg, "models.big.version to v2026.11.1")
}

# A staged canary's version is checked like the version: it must have run in the source.
test_canary_version_the_source_does_not_run_is_denied if {
	config := json.patch(config_fixtures.prod, [{"op": "add", "path": "/models/llama-3-3-70b-instruct/canary", "value": {"version": "v2026.11.1", "weight": 5}}])
	findings := versions.deny with input as fixtures.combined(array.concat([config], staging_render))
	count(findings) == 1
	some f in findings
	contains(f.msg, "models.llama-3-3-70b-instruct.canary.version to v2026.11.1, which staging does not run")
}

test_canary_version_the_source_runs_passes if {
	config := json.patch(config_fixtures.prod, [{"op": "add", "path": "/models/llama-3-3-70b-instruct/canary", "value": {"version": "v2026.11.1", "weight": 5}}])
	render := array.concat(staging_render, [server("llama-3-3-70b-instruct", "v2026.11.1")])
	count(versions.deny) == 0 with input as fixtures.combined(array.concat([config], render))
}

# A version only on trial in the source (its staged canary, pods of the canary track) has not run there.
test_a_version_only_in_the_source_canary_is_denied if {
	config := json.patch(config_fixtures.prod, [{"op": "replace", "path": "/models/llama-3-3-70b-instruct/version", "value": "v2026.11.1"}])
	canary := json.patch(server("llama-3-3-70b-instruct", "v2026.11.1"), [
		{"op": "replace", "path": "/metadata/name", "value": "llama-3-3-70b-instruct-canary"},
		{"op": "add", "path": "/spec/template/metadata", "value": {"labels": {"eks-llm-gitops.io/track": "canary"}}},
	])
	findings := versions.deny with input as fixtures.combined(array.concat([config, canary], staging_render))
	count(findings) == 1
}

test_a_canary_already_on_the_base_branch_stays_valid_after_the_source_moves_on if {
	config := json.patch(config_fixtures.prod, [{"op": "add", "path": "/models/llama-3-3-70b-instruct/canary", "value": {"version": "v2026.11.1", "weight": 5}}])
	canaries := {"prod": {"llama-3-3-70b-instruct": "v2026.11.1"}}
	count(versions.deny) == 0 with input as fixtures.combined(array.concat([config], staging_render)) with data.llm.canary_baseline as canaries
}
