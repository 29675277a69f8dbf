package gpu.do_not_disrupt_test

import data.gpu.do_not_disrupt
import data.lib.fixtures

test_annotated_model_server_passes if {
	count(do_not_disrupt.deny) == 0 with input as fixtures.model_server
}

test_cpu_service_needs_no_annotation if {
	count(do_not_disrupt.deny) == 0 with input as fixtures.web
}

test_model_server_without_annotation_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "remove", "path": "/spec/template/metadata/annotations"}])
	findings := do_not_disrupt.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-003"
	contains(f.msg, "karpenter.sh/do-not-disrupt")
}

test_annotation_on_the_deployment_only_is_denied if {
	obj := json.patch(fixtures.model_server, [
		{"op": "remove", "path": "/spec/template/metadata/annotations"},
		{"op": "add", "path": "/metadata/annotations/karpenter.sh~1do-not-disrupt", "value": "30m"},
	])
	count(do_not_disrupt.deny) == 1 with input as obj
}

test_true_blocks_drift_forever_and_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/metadata/annotations/karpenter.sh~1do-not-disrupt", "value": "true"}])
	findings := do_not_disrupt.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, `sets karpenter.sh/do-not-disrupt to "true"; expected a duration`)
}

test_compound_durations_pass if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/metadata/annotations/karpenter.sh~1do-not-disrupt", "value": "1h30m"}])
	count(do_not_disrupt.deny) == 0 with input as obj
}

test_leader_worker_set_with_both_templates_annotated_passes if {
	count(do_not_disrupt.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_leader_without_the_annotation_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "remove", "path": "/spec/leaderWorkerTemplate/leaderTemplate/metadata/annotations"}])
	findings := do_not_disrupt.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-003"
	contains(f.msg, "its leader pods lack the annotation karpenter.sh/do-not-disrupt")
}

test_leader_worker_set_worker_blocking_drift_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "replace", "path": "/spec/leaderWorkerTemplate/workerTemplate/metadata/annotations/karpenter.sh~1do-not-disrupt", "value": "true"}])
	findings := do_not_disrupt.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, `to "true" on its worker pods`)
}

# A warm-capacity placeholder loads nothing and must stay disruptable; one that runs something
# else than sleep is a GPU workload like any other.
test_placeholder_needs_no_annotation if {
	count(do_not_disrupt.deny) == 0 with input as fixtures.placeholder
}

test_near_placeholder_without_annotation_is_denied if {
	obj := json.patch(fixtures.placeholder, [{"op": "replace", "path": "/spec/template/spec/containers/0/command", "value": ["vllm", "serve"]}])
	findings := do_not_disrupt.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-003"
}
