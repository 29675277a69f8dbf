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
