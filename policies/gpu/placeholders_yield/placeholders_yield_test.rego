package gpu.placeholders_yield_test

import data.gpu.gpu_placement
import data.gpu.placeholders_yield
import data.lib.fixtures
import data.lib.k8s
import data.security.run_as_non_root
import data.workload.image_digest

test_placeholder_passes if {
	k8s.is_placeholder(fixtures.placeholder)
	count(placeholders_yield.deny) == 0 with input as fixtures.placeholder
}

test_placeholder_priority_class_passes if {
	count(placeholders_yield.deny) == 0 with input as fixtures.placeholder_priority_class
}

test_workloads_at_other_classes_pass if {
	count(placeholders_yield.deny) == 0 with input as fixtures.model_server
	count(placeholders_yield.deny) == 0 with input as fixtures.lws_model_server
	count(placeholders_yield.deny) == 0 with input as fixtures.web
}

test_other_priority_classes_are_not_judged if {
	serving := json.patch(fixtures.placeholder_priority_class, [
		{"op": "replace", "path": "/metadata/name", "value": "llm-serving"},
		{"op": "replace", "path": "/value", "value": 100000},
		{"op": "replace", "path": "/preemptionPolicy", "value": "PreemptLowerPriority"},
	])
	count(placeholders_yield.deny) == 0 with input as serving
}

test_placeholder_with_a_grace_period_is_denied if {
	obj := json.patch(fixtures.placeholder, [{"op": "replace", "path": "/spec/template/spec/terminationGracePeriodSeconds", "value": 30}])
	findings := placeholders_yield.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-007"
	f.kind == "Deployment"
	contains(f.msg, "terminationGracePeriodSeconds 30")
}

test_placeholder_with_the_default_grace_period_is_denied if {
	obj := json.patch(fixtures.placeholder, [{"op": "remove", "path": "/spec/template/spec/terminationGracePeriodSeconds"}])
	findings := placeholders_yield.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-007"
	contains(f.msg, "30 when unset")
}

test_positive_priority_is_denied if {
	obj := json.patch(fixtures.placeholder_priority_class, [{"op": "replace", "path": "/value", "value": 1000}])
	findings := placeholders_yield.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-007"
	f.kind == "PriorityClass"
	f.name == "llm-warm-capacity"
	contains(f.msg, "value 1000")
}

test_zero_or_unset_priority_is_denied if {
	zero := json.patch(fixtures.placeholder_priority_class, [{"op": "replace", "path": "/value", "value": 0}])
	count(placeholders_yield.deny) == 1 with input as zero
	unset := json.patch(fixtures.placeholder_priority_class, [{"op": "remove", "path": "/value"}])
	count(placeholders_yield.deny) == 1 with input as unset
}

test_preempting_placeholder_class_is_denied if {
	obj := json.patch(fixtures.placeholder_priority_class, [{"op": "replace", "path": "/preemptionPolicy", "value": "PreemptLowerPriority"}])
	findings := placeholders_yield.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-007"
	contains(f.msg, "preemptionPolicy PreemptLowerPriority")
}

test_unset_preemption_policy_is_denied if {
	obj := json.patch(fixtures.placeholder_priority_class, [{"op": "remove", "path": "/preemptionPolicy"}])
	findings := placeholders_yield.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "PreemptLowerPriority when unset")
}

test_global_default_placeholder_class_is_denied if {
	obj := json.patch(fixtures.placeholder_priority_class, [{"op": "replace", "path": "/globalDefault", "value": true}])
	findings := placeholders_yield.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-007"
	contains(f.msg, "globalDefault")
}

test_model_server_at_the_placeholder_class_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "add", "path": "/spec/template/spec/priorityClassName", "value": "llm-warm-capacity"}])
	not k8s.is_placeholder(obj)
	findings := placeholders_yield.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-007"
	contains(f.msg, "is not a placeholder")
}

# What a real workload would have to do to be taken for a placeholder: each change alone makes
# the fixture an ordinary workload again, judged by every rule, and GPU-007 names it.
not_placeholders := {
	"engine command": [{"op": "replace", "path": "/spec/template/spec/containers/0/command", "value": ["vllm", "serve"]}],
	"no command": [{"op": "remove", "path": "/spec/template/spec/containers/0/command"}],
	"sleep with a bound": [{"op": "replace", "path": "/spec/template/spec/containers/0/command", "value": ["sleep", "3600"]}],
	"args": [{"op": "add", "path": "/spec/template/spec/containers/0/args", "value": ["--port", "8000"]}],
	"a port": [{"op": "add", "path": "/spec/template/spec/containers/0/ports", "value": [{"name": "http", "containerPort": 8000}]}],
	"a lifecycle hook": [{"op": "add", "path": "/spec/template/spec/containers/0/lifecycle", "value": {"postStart": {"exec": {"command": ["python", "-m", "train"]}}}}],
	"an init container": [{"op": "add", "path": "/spec/template/spec/initContainers", "value": [fixtures.placeholder.spec.template.spec.containers[0]]}],
	"a second container that works": [{"op": "add", "path": "/spec/template/spec/containers/-", "value": object.union(fixtures.placeholder.spec.template.spec.containers[0], {"name": "worker", "command": ["python", "-m", "worker"]})}],
}

test_near_placeholders_are_not_placeholders if {
	every _, patch in not_placeholders {
		obj := json.patch(fixtures.placeholder, patch)
		not k8s.is_placeholder(obj)
		count([f | some f in placeholders_yield.deny; f.policy == "GPU-007"]) == 1 with input as obj
	}
}

test_sleeping_pod_at_another_class_is_not_a_placeholder if {
	obj := json.patch(fixtures.placeholder, [{"op": "replace", "path": "/spec/template/spec/priorityClassName", "value": "llm-batch"}])
	not k8s.is_placeholder(obj)
	count(placeholders_yield.deny) == 0 with input as obj
}

test_only_deployments_are_placeholders if {
	obj := json.patch(fixtures.placeholder, [{"op": "replace", "path": "/kind", "value": "StatefulSet"}])
	not k8s.is_placeholder(obj)
	findings := placeholders_yield.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "GPU-007"
}

test_the_placeholder_classes_come_from_data if {
	not k8s.is_placeholder(fixtures.placeholder) with data.gpu_placeholders.priority_classes as []
	count(placeholders_yield.deny) == 0 with input as fixtures.placeholder_priority_class with data.gpu_placeholders.priority_classes as []
}

# Being a placeholder spares only CMB-001, GPU-003, GPU-004 and WL-009: the pack's other rules
# judge it as any workload (here SEC-001, GPU-002 and WL-003).
test_other_rules_still_judge_placeholders if {
	root := json.patch(fixtures.placeholder, [
		{"op": "replace", "path": "/spec/template/spec/securityContext/runAsUser", "value": 0},
		{"op": "remove", "path": "/spec/template/spec/securityContext/runAsNonRoot"},
		{"op": "remove", "path": "/spec/template/spec/containers/0/securityContext/runAsNonRoot"},
	])
	k8s.is_placeholder(root)
	fixtures.ids(run_as_non_root.deny) == {"SEC-001"} with input as root
	unplaced := json.patch(fixtures.placeholder, [{"op": "remove", "path": "/spec/template/spec/tolerations"}])
	fixtures.ids(gpu_placement.deny) == {"GPU-002"} with input as unplaced
	tagged := json.patch(fixtures.placeholder, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "777788889999.dkr.ecr.us-west-2.amazonaws.com/docker-hub/vllm/vllm-openai:v0.28.0"}])
	fixtures.ids(image_digest.deny) == {"WL-003"} with input as tagged
}
