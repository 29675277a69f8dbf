# METADATA
# title: Placeholders yield
# description: >-
#   A warm-capacity placeholder (lib/k8s.rego is_placeholder: a Deployment at a priority class
#   listed in policies/data/gpu.yaml gpu_placeholders, whose containers only sleep) holds GPUs
#   only until a workload needs them, so it must give them up at once. It sets
#   terminationGracePeriodSeconds 0 (unset is 30 s, which a model server would wait before it
#   starts), and every PriorityClass listed there has a negative value (pods without a class run
#   at 0, so anything preempts it), preemptionPolicy Never (a Pending placeholder waits for the
#   node Karpenter launches for it instead of evicting a workload) and is not globalDefault
#   (every pod without a class would run at the placeholder's priority). And no other workload
#   runs at such a class: anything would preempt it at any time. Checked per object against the
#   list in data: the placeholder and its PriorityClass are different documents of the render.
# custom:
#   id: GPU-007
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet, PriorityClass]
#   input: object
package gpu.placeholders_yield

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	placeholder
	grace := object.get(k8s.pod_spec(input), "terminationGracePeriodSeconds", 30)
	grace != 0
	msg := sprintf("is a warm-capacity placeholder with terminationGracePeriodSeconds %v (30 when unset); set it to 0, so that a workload that preempts it starts at once", [grace])
}

problems contains {"object": input, "msg": msg} if {
	workload
	not k8s.is_placeholder(input)
	class := k8s.pod_spec(input).priorityClassName
	class in k8s.placeholder_priority_classes
	msg := sprintf("runs at the placeholder priority class %s but is not a placeholder (a Deployment whose containers only run %v, with no init containers, args, ports or lifecycle hooks), so any pod preempts it; give it a workload's priority class", [class, k8s.placeholder_commands])
}

problems contains {"object": input, "msg": msg} if {
	placeholder_class
	value := object.get(input, "value", 0)
	value >= 0
	msg := sprintf("is a placeholder priority class (policies/data/gpu.yaml) with value %v; set a negative value, below every workload's, so that any pod preempts its placeholders", [value])
}

problems contains {"object": input, "msg": msg} if {
	placeholder_class
	preemption := object.get(input, "preemptionPolicy", "PreemptLowerPriority")
	preemption != "Never"
	msg := sprintf("is a placeholder priority class (policies/data/gpu.yaml) with preemptionPolicy %s (PreemptLowerPriority when unset); set Never, so that a Pending placeholder waits for a new node instead of evicting a workload", [preemption])
}

problems contains {"object": input, "msg": msg} if {
	placeholder_class
	input.globalDefault == true
	msg := "is a placeholder priority class (policies/data/gpu.yaml) set as globalDefault, which gives every pod without a priority class the placeholders' priority; set globalDefault: false"
}

workload if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
}

placeholder if {
	workload
	k8s.is_placeholder(input)
}

placeholder_class if {
	k8s.is_object_input(input)
	input.kind == "PriorityClass"
	k8s.name(input) in k8s.placeholder_priority_classes
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
