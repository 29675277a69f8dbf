# METADATA
# title: Model servers are reached through the inference router, not only a plain Service
# description: >-
#   Over one environment: every model server (a Deployment or LeaderWorkerSet whose serving
#   container requests nvidia.com/gpu; for a LeaderWorkerSet its leader, worker index "0") has an
#   InferencePool (inference.networking.k8s.io/v1) in its namespace whose
#   spec.selector.matchLabels are all labels of its serving pods, whose spec.targetPorts include
#   the serving container's port (its port named http, else its first), and whose
#   spec.endpointPickerRef names a Service of that namespace exposing endpointPickerRef.port.number.
#   A plain Service is balanced by kube-proxy per connection, not per request: clients hold
#   keep-alive connection pools, so their requests stay on the replicas those connections first
#   reached (draining ones included) while a new replica idles, and a prompt lands on the replica
#   holding its prefix in the KV cache only by chance. The endpoint picker chooses a pod for every
#   request, by its waiting requests, its KV-cache usage and how much of the prompt's prefix it
#   has cached. And no InferencePool selects a
#   LeaderWorkerSet's workers: they run vLLM headless, so the requests sent to them fail.
#   Warm-capacity placeholders (lib/k8s.rego is_placeholder) serve nothing and need no pool.
# custom:
#   id: CMB-009
#   severity: high
#   kinds: [Deployment, Rollout, LeaderWorkerSet, InferencePool, Service]
#   input: combined
package network.inference_routing

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

# The API the endpoint picker reads (--pool-group=inference.networking.k8s.io, apps/router/).
pool_api_version := "inference.networking.k8s.io/v1"

# Deployments and LeaderWorkerSets whose serving pods (a LeaderWorkerSet's leaders) hold GPUs.
model_servers contains workload if {
	some workload in objects
	workload.kind in {"Deployment", "Rollout", "LeaderWorkerSet"}
	not k8s.is_placeholder(workload)
	count(gpu_containers(workload)) > 0
}

gpu_containers(workload) := [container |
	some container in k8s.serving_containers(workload)
	k8s.gpu_count(container) > 0
]

pools := [pool |
	some pool in objects
	pool.kind == "InferencePool"
	pool.apiVersion == pool_api_version
]

# A model server with no InferencePool selecting its serving pods.
problems contains {"object": workload, "msg": msg} if {
	some workload in model_servers
	count(selecting(workload)) == 0
	msg := sprintf("%s: kube-proxy balances per connection, so keep-alive clients stay on the replicas they first reached (draining ones included) and a prompt reaches the replica caching its prefix only by chance; %s (%s), targetPorts %s and an endpointPickerRef to the endpoint picker's Service", [
		unrouted(workload),
		remedy(workload),
		selector_hint(workload),
		ports_hint(workload),
	])
}

# Pools select its pods, but none sends to the port it serves on.
problems contains {"object": workload, "msg": msg} if {
	some workload in model_servers
	count(targeting(workload)) == 0
	some pool in selecting(workload)
	msg := sprintf("%s selects its %s, but its spec.targetPorts (%s) do not include %s; set targetPorts: %s", [
		k8s.ref(pool),
		serving_pods(workload),
		concat(", ", [sprintf("%v", [port]) | some port in target_ports(pool)]),
		concat(" and ", missing_ports(pool, workload)),
		ports_hint(workload),
	])
}

# Pools select its pods on its port, but none names an endpoint picker that can be reached.
problems contains {"object": workload, "msg": msg} if {
	some workload in model_servers
	count(routing(workload)) == 0
	some pool in targeting(workload)
	msg := sprintf("%s %s", [k8s.ref(pool), picker_problem(pool)])
}

# A pool that selects a LeaderWorkerSet's workers sends requests to pods that serve none.
problems contains {"object": pool, "msg": msg} if {
	some lws in model_servers
	lws.kind == "LeaderWorkerSet"
	k8s.lws_size(lws) > 1
	some pool in pools
	k8s.namespace(pool) == k8s.namespace(lws)
	k8s.map_selector_matches(pool_selector(pool), k8s.lws_worker_labels(lws))
	msg := sprintf("selects the workers of LeaderWorkerSet %s, which run vLLM headless and serve no HTTP; add %s: \"0\" to spec.selector.matchLabels so that the endpoint picker sends requests to its leaders only", [k8s.name(lws), k8s.lws_worker_index_label])
}

pool_selector(pool) := object.get(pool, ["spec", "selector", "matchLabels"], {})

pools_in(namespace) := [pool | some pool in pools; k8s.namespace(pool) == namespace]

selecting(workload) := [pool |
	some pool in pools_in(k8s.namespace(workload))
	k8s.map_selector_matches(pool_selector(pool), k8s.serving_pod_labels(workload))
]

targeting(workload) := [pool |
	some pool in selecting(workload)
	count(missing_ports(pool, workload)) == 0
]

routing(workload) := [pool |
	some pool in targeting(workload)
	not picker_problem(pool)
]

target_ports(pool) := {port.number | some port in object.get(pool, ["spec", "targetPorts"], [])}

# The port a serving container answers on: the one named http, else its first.
serving_port(container) := port.containerPort if {
	some port in object.get(container, "ports", [])
	port.name == "http"
} else := container.ports[0].containerPort

serving_ports(workload) := {serving_port(container) | some container in gpu_containers(workload)}

missing_ports(pool, workload) := [sprintf("port %v of container %s", [port, container.name]) |
	some container in gpu_containers(workload)
	port := serving_port(container)
	not port in target_ports(pool)
]

ports_hint(workload) := sprintf("[%s]", [concat(", ", [sprintf("{number: %v}", [port]) | some port in serving_ports(workload)])]) if {
	count(serving_ports(workload)) > 0
} else := "naming the port it serves on"

# Services in the workload's namespace whose selector matches its serving pods.
plain_services(workload) := sort([k8s.name(service) |
	some service in objects
	service.kind == "Service"
	k8s.namespace(service) == k8s.namespace(workload)
	k8s.map_selector_matches(object.get(service.spec, "selector", {}), k8s.serving_pod_labels(workload))
])

unrouted(workload) := sprintf("is reachable only through plain Service(s) %s%s", [concat(", ", plain_services(workload)), mismatched(workload)]) if {
	count(plain_services(workload)) > 0
} else := sprintf("is reachable through no InferencePool (and no Service: CMB-001)%s", [mismatched(workload)])

# Why the namespace's pools, if any, do not count: the selector entries its pods do not carry.
mismatched(workload) := sprintf(", as no InferencePool selects its %s (%s)", [
	serving_pods(workload),
	concat("; ", sort([sprintf("%s wants %s", [k8s.ref(pool), concat(", ", wanted(pool, workload))]) | some pool in pools_in(k8s.namespace(workload))])),
]) if {
	count(pools_in(k8s.namespace(workload))) > 0
} else := ""

wanted(pool, workload) := sort([sprintf("%s=%v", [key, value]) |
	some key, value in pool_selector(pool)
	object.get(k8s.serving_pod_labels(workload), key, null) != value
]) if {
	count(pool_selector(pool)) > 0
} else := ["a non-empty spec.selector.matchLabels"]

remedy(workload) := "fix that selector, or render an InferencePool (inference.networking.k8s.io/v1) selecting its pods" if {
	count(pools_in(k8s.namespace(workload))) > 0
} else := "render an InferencePool (inference.networking.k8s.io/v1) selecting its pods"

# Labels a pool can select the serving pods by: a Deployment's own selector (else its pod
# labels); a LeaderWorkerSet's leaders by the name and worker index LWS gives them.
selector_hint(workload) := sprintf("matchLabels %s", [labels_text(object.get(
	workload,
	["spec", "selector", "matchLabels"],
	k8s.serving_pod_labels(workload),
))]) if workload.kind in {"Deployment", "Rollout"}

selector_hint(workload) := sprintf("matchLabels %s", [labels_text({
	k8s.lws_name_label: k8s.name(workload),
	k8s.lws_worker_index_label: "0",
})]) if workload.kind == "LeaderWorkerSet"

labels_text(labels) := sprintf("{%s}", [concat(", ", sort([sprintf("%s: %v", [key, value]) | some key, value in labels]))])

serving_pods(workload) := "leader pods (LWS adds leaderworkerset.sigs.k8s.io/worker-index \"0\")" if workload.kind == "LeaderWorkerSet"

serving_pods(workload) := "pods" if workload.kind != "LeaderWorkerSet"

# What keeps the gateway from asking the pool's endpoint picker where a request goes, if anything.
picker_ref(pool) := object.get(pool, ["spec", "endpointPickerRef"], {})

picker_problem(pool) := "names no endpoint picker (spec.endpointPickerRef); name the picker's Service and the port it serves ext-proc on" if {
	count(picker_ref(pool)) == 0
} else := sprintf("names a %s as its endpoint picker (spec.endpointPickerRef), not a Service; name the picker's Service", [picker_kind(pool)]) if {
	picker_kind(pool) != "Service"
} else := sprintf("names Service %s as its endpoint picker without a port; set spec.endpointPickerRef.port.number to the port the picker serves ext-proc on", [object.get(picker_ref(pool), "name", "")]) if {
	not is_number(object.get(picker_ref(pool), ["port", "number"], null))
} else := sprintf("names Service %s as its endpoint picker (spec.endpointPickerRef), which does not exist in namespace %s: the gateway cannot ask where a request goes and fails it (with failureMode FailOpen it picks a pod blind); render the picker's Service or fix endpointPickerRef.name", [picker_ref(pool).name, k8s.namespace(pool)]) if {
	count(picker_services(pool)) == 0
} else := sprintf("names port %v of Service %s as its endpoint picker (spec.endpointPickerRef), but that Service exposes %s; expose port %v on it or fix endpointPickerRef.port.number", [picker_ref(pool).port.number, picker_ref(pool).name, exposed_ports(pool), picker_ref(pool).port.number]) if {
	not exposes_picker_port(pool)
}

# endpointPickerRef's group defaults to the core group and its kind to Service.
picker_kind(pool) := "Service" if {
	object.get(picker_ref(pool), "group", "") == ""
	object.get(picker_ref(pool), "kind", "Service") == "Service"
} else := concat("/", [g | some g in [object.get(picker_ref(pool), "group", ""), object.get(picker_ref(pool), "kind", "Service")]; g != ""])

picker_services(pool) := [service |
	some service in objects
	service.kind == "Service"
	k8s.namespace(service) == k8s.namespace(pool)
	k8s.name(service) == object.get(picker_ref(pool), "name", "")
]

exposes_picker_port(pool) if {
	some service in picker_services(pool)
	some port in object.get(service, ["spec", "ports"], [])
	port.port == picker_ref(pool).port.number
}

exposed_ports(pool) := concat(", ", [sprintf("%v", [number]) | some number in sort(service_ports(pool))]) if {
	count(service_ports(pool)) > 0
} else := "no port"

service_ports(pool) := {port.port |
	some service in picker_services(pool)
	some port in object.get(service, ["spec", "ports"], [])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
