# METADATA
# title: Every Deployment has a Service, and a PodDisruptionBudget that lets drains through
# description: >-
#   Over one environment: every Deployment has a Service in its namespace whose selector matches
#   its pod labels; when it may run several replicas (replicas > 1, or an autoscaler's maximum
#   above 1) it also has a PodDisruptionBudget whose selector matches its pods, so that a drain
#   takes replicas one at a time. That budget's minAvailable stays below the replicas the
#   workload keeps at its minimum, or it forbids every eviction (WL-005 catches the obvious
#   forms).
# custom:
#   id: CMB-001
#   severity: high
#   kinds: [Deployment, PodDisruptionBudget]
#   input: combined
package workload.service_pdb

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

deployments := [obj | some obj in objects; obj.kind == "Deployment"]

problems contains {"object": deployment, "msg": msg} if {
	some deployment in deployments
	not served(deployment)
	msg := "has no Service in its namespace whose selector matches its pod labels; add one"
}

problems contains {"object": deployment, "msg": msg} if {
	some deployment in deployments
	max_replicas(deployment) > 1
	count(budgets(deployment)) == 0
	msg := "may run several replicas but no PodDisruptionBudget selects its pods; add one with maxUnavailable: 1"
}

problems contains {"object": budget, "msg": msg} if {
	some deployment in deployments
	some budget in budgets(deployment)
	is_number(budget.spec.minAvailable)
	minimum := min_replicas(deployment)
	budget.spec.minAvailable >= minimum
	msg := sprintf("keeps minAvailable %v for Deployment %s, which runs %v replica(s) at its minimum, so no pod may be evicted; use maxUnavailable: 1", [budget.spec.minAvailable, k8s.name(deployment), minimum])
}

served(deployment) if {
	some service in objects
	service.kind == "Service"
	k8s.namespace(service) == k8s.namespace(deployment)
	k8s.map_selector_matches(object.get(service.spec, "selector", {}), k8s.pod_labels(deployment))
}

budgets(deployment) := [budget |
	some budget in objects
	budget.kind == "PodDisruptionBudget"
	k8s.namespace(budget) == k8s.namespace(deployment)
	k8s.selector_matches(object.get(budget.spec, "selector", {}), k8s.pod_labels(deployment))
]

scalers(deployment) := [scaler | some scaler in objects; k8s.scales(scaler, deployment)]

min_replicas(deployment) := deployment.spec.replicas if k8s.has_key(deployment.spec, "replicas")

min_replicas(deployment) := max([k8s.autoscaler_min(scaler) | some scaler in scalers(deployment)]) if {
	not k8s.has_key(deployment.spec, "replicas")
	count(scalers(deployment)) > 0
}

min_replicas(deployment) := 1 if {
	not k8s.has_key(deployment.spec, "replicas")
	count(scalers(deployment)) == 0
}

max_replicas(deployment) := deployment.spec.replicas if k8s.has_key(deployment.spec, "replicas")

max_replicas(deployment) := max([k8s.autoscaler_max(scaler) | some scaler in scalers(deployment)]) if {
	not k8s.has_key(deployment.spec, "replicas")
	count(scalers(deployment)) > 0
}

max_replicas(deployment) := 1 if {
	not k8s.has_key(deployment.spec, "replicas")
	count(scalers(deployment)) == 0
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
