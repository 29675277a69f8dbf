# METADATA
# title: Every Deployment and LeaderWorkerSet has a Service, and a PodDisruptionBudget that lets drains through
# description: >-
#   Over one environment: every Deployment and LeaderWorkerSet has a Service in its namespace
#   whose selector matches its serving pods (a LeaderWorkerSet's leaders, worker index "0"); when
#   it may run several replicas (replicas > 1, or an autoscaler's maximum above 1) it also has a
#   PodDisruptionBudget whose selector matches its pods, so that a drain takes replicas one at a
#   time. That budget's minAvailable stays below the pods the workload keeps at its minimum (a
#   LeaderWorkerSet's replicas times its group size), or it forbids every eviction (WL-005 catches
#   the obvious forms). And no Service with a cluster IP selects a LeaderWorkerSet's workers: they
#   run vLLM headless and listen on no HTTP port, so the requests sent to them fail. Warm-capacity
#   placeholders (lib/k8s.rego is_placeholder: a Deployment at a placeholder priority class of
#   policies/data/gpu.yaml whose containers only sleep) need neither: they serve nothing, and
#   being preempted or moved at any time is their job, so no budget should pace it (GPU-007).
# custom:
#   id: CMB-001
#   severity: high
#   kinds: [Deployment, Rollout, LeaderWorkerSet, PodDisruptionBudget, Service]
#   input: combined
package workload.service_pdb

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

# Placeholders are left out: nothing routes to them and nothing needs to survive their eviction.
deployments := [obj |
	some obj in objects
	obj.kind in {"Deployment", "Rollout", "LeaderWorkerSet"}
	not k8s.is_placeholder(obj)
]

problems contains {"object": deployment, "msg": msg} if {
	some deployment in deployments
	not served(deployment)
	msg := sprintf("has no Service in its namespace whose selector matches the labels of its %s; add one", [serving_pods(deployment)])
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
	minimum := min_replicas(deployment) * group_size(deployment)
	budget.spec.minAvailable >= minimum
	msg := sprintf("keeps minAvailable %v for %s %s, which runs %v pod(s) at its minimum, so no pod may be evicted; use maxUnavailable: 1", [budget.spec.minAvailable, deployment.kind, k8s.name(deployment), minimum])
}

problems contains {"object": service, "msg": msg} if {
	some lws in deployments
	lws.kind == "LeaderWorkerSet"
	k8s.lws_size(lws) > 1
	some service in objects
	service.kind == "Service"
	k8s.namespace(service) == k8s.namespace(lws)
	not headless(service)
	k8s.map_selector_matches(object.get(service.spec, "selector", {}), k8s.lws_worker_labels(lws))
	msg := sprintf("selects the workers of LeaderWorkerSet %s, which run vLLM headless and serve no HTTP; add the selector %s: \"0\" so that only its leaders get requests", [k8s.name(lws), k8s.lws_worker_index_label])
}

served(deployment) if {
	some service in objects
	service.kind == "Service"
	k8s.namespace(service) == k8s.namespace(deployment)
	k8s.map_selector_matches(object.get(service.spec, "selector", {}), k8s.serving_pod_labels(deployment))
}

headless(service) if service.spec.clusterIP == "None"

serving_pods(workload) := "leader pods (LWS adds leaderworkerset.sigs.k8s.io/worker-index \"0\")" if workload.kind == "LeaderWorkerSet"

serving_pods(workload) := "pods" if workload.kind != "LeaderWorkerSet"

# Pods per replica: a LeaderWorkerSet's replica is a group of leaderWorkerTemplate.size pods.
group_size(workload) := k8s.lws_size(workload) if workload.kind == "LeaderWorkerSet"

group_size(workload) := 1 if workload.kind != "LeaderWorkerSet"

budgets(deployment) := [budget |
	some budget in objects
	budget.kind == "PodDisruptionBudget"
	k8s.namespace(budget) == k8s.namespace(deployment)
	some labels in k8s.pod_label_sets(deployment)
	k8s.selector_matches(object.get(budget.spec, "selector", {}), labels)
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
