# METADATA
# title: A canary's traffic goes through the endpoint picker, to its own pods
# description: >-
#   Over one environment: every Argo Rollout whose canary shifts traffic with the Gateway API
#   plugin (trafficRouting.plugins["argoproj-labs/gatewayAPI"]) names an HTTPRoute that exists
#   in the plugin's namespace; a rule of that route has backendRefs named like both its
#   canaryService and its stableService (the plugin finds its rule, and sets the weights, by those
#   names only: a rule without both is never changed and the canary gets no traffic); each of
#   those backendRefs is an InferencePool (inference.networking.k8s.io), not a Service (a Service
#   sends requests past the endpoint picker); each pool selects its own track's pods (the Rollout's
#   pod labels with canaryMetadata's or stableMetadata's labels, which Argo Rollouts sets on each
#   pod) and not the other track's, so the weight reaches the version it is meant for; the two
#   Services exist (the controller refuses a Rollout without them); and the AnalysisTemplates the
#   canary's analysis names exist in its namespace (an analysis that cannot start fails the canary
#   on every upgrade).
# custom:
#   id: CMB-010
#   severity: high
#   kinds: [Rollout, HTTPRoute, InferencePool, Service, AnalysisTemplate]
#   input: combined
package network.canary_routing

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

plugin := "argoproj-labs/gatewayAPI"

pool_group := "inference.networking.k8s.io"

rollouts contains rollout if {
	some rollout in objects
	rollout.kind == "Rollout"
	config(rollout)
}

config(rollout) := rollout.spec.strategy.canary.trafficRouting.plugins[plugin]

canary(rollout) := rollout.spec.strategy.canary

route_namespace(rollout) := object.get(config(rollout), "namespace", k8s.namespace(rollout))

route_name(rollout) := config(rollout).httpRoute

routes(rollout) := [route |
	some route in objects
	route.kind == "HTTPRoute"
	k8s.namespace(route) == route_namespace(rollout)
	k8s.name(route) == route_name(rollout)
]

service_name(rollout, "canary") := object.get(canary(rollout), "canaryService", "")

service_name(rollout, "stable") := object.get(canary(rollout), "stableService", "")

# The rules holding a backendRef named like each of the Rollout's two Services.
weighted_rules(rollout) := [rule |
	some route in routes(rollout)
	some rule in object.get(route, ["spec", "rules"], [])
	every track in {"canary", "stable"} {
		some ref in object.get(rule, "backendRefs", [])
		ref.name == service_name(rollout, track)
	}
]

track_pod_labels(rollout, track) := object.union(k8s.pod_labels(rollout), k8s.rollout_track_labels(rollout, track))

other("canary") := "stable"

other("stable") := "canary"

problems contains {"object": rollout, "msg": msg} if {
	some rollout in rollouts
	not route_name(rollout)
	msg := sprintf("names no HTTPRoute for the %s plugin; set trafficRouting.plugins[\"%s\"].httpRoute to the model's route", [plugin, plugin])
}

problems contains {"object": rollout, "msg": msg} if {
	some rollout in rollouts
	route_name(rollout)
	count(routes(rollout)) == 0
	msg := sprintf("shifts traffic on HTTPRoute %s/%s, which the render does not hold; the plugin fails every step", [route_namespace(rollout), route_name(rollout)])
}

problems contains {"object": rollout, "msg": msg} if {
	some rollout in rollouts
	count(routes(rollout)) > 0
	count(weighted_rules(rollout)) == 0
	msg := sprintf("HTTPRoute %s/%s has no rule with backendRefs named %s and %s: the plugin sets weights only in such a rule, so the canary would get no traffic; name the rule's two InferencePools like the canaryService and stableService", [route_namespace(rollout), route_name(rollout), service_name(rollout, "canary"), service_name(rollout, "stable")])
}

problems contains {"object": rollout, "msg": msg} if {
	some rollout in rollouts
	some rule in weighted_rules(rollout)
	some ref in rule.backendRefs
	ref.name in {service_name(rollout, "canary"), service_name(rollout, "stable")}
	object.get(ref, "kind", "Service") != "InferencePool"
	msg := sprintf("HTTPRoute %s/%s sends the %s track to %s %s, past the endpoint picker; refer to the track's InferencePool (group %s, kind InferencePool, named like the Service)", [route_namespace(rollout), route_name(rollout), ref.name, object.get(ref, "kind", "Service"), ref.name, pool_group])
}

track_of(rollout, name) := track if {
	some track in {"canary", "stable"}
	service_name(rollout, track) == name
}

pool_named(namespace, name) := [pool |
	some pool in objects
	pool.kind == "InferencePool"
	k8s.namespace(pool) == namespace
	k8s.name(pool) == name
]

problems contains {"object": rollout, "msg": msg} if {
	some rollout in rollouts
	some rule in weighted_rules(rollout)
	some ref in rule.backendRefs
	object.get(ref, "kind", "Service") == "InferencePool"
	track := track_of(rollout, ref.name)
	count(pool_named(route_namespace(rollout), ref.name)) == 0
	msg := sprintf("HTTPRoute %s/%s sends the %s track to InferencePool %s, which the render does not hold", [route_namespace(rollout), route_name(rollout), track, ref.name])
}

problems contains {"object": pool, "msg": msg} if {
	some rollout in rollouts
	some rule in weighted_rules(rollout)
	some ref in rule.backendRefs
	track := track_of(rollout, ref.name)
	some pool in pool_named(route_namespace(rollout), ref.name)
	selector := object.get(pool, ["spec", "selector", "matchLabels"], {})
	not k8s.map_selector_matches(selector, track_pod_labels(rollout, track))
	msg := sprintf("carries the %s share of Rollout %s but does not select its %s pods (labels %v, with %sMetadata's); select the Rollout's pod labels and the %s track label", [track, k8s.name(rollout), track, track_pod_labels(rollout, track), track, track])
}

problems contains {"object": pool, "msg": msg} if {
	some rollout in rollouts
	some rule in weighted_rules(rollout)
	some ref in rule.backendRefs
	track := track_of(rollout, ref.name)
	some pool in pool_named(route_namespace(rollout), ref.name)
	selector := object.get(pool, ["spec", "selector", "matchLabels"], {})
	k8s.map_selector_matches(selector, track_pod_labels(rollout, other(track)))
	msg := sprintf("carries the %s share of Rollout %s but also selects its %s pods, so that share reaches both versions; give canaryMetadata and stableMetadata different labels and select the %s one", [track, k8s.name(rollout), other(track), track])
}

problems contains {"object": rollout, "msg": msg} if {
	some rollout in rollouts
	some track in {"canary", "stable"}
	name := service_name(rollout, track)
	not service_exists(k8s.namespace(rollout), name)
	msg := sprintf("names %sService \"%s\", which the render does not hold; Argo Rollouts refuses the Rollout until it exists", [track, name])
}

service_exists(namespace, name) if {
	some service in objects
	service.kind == "Service"
	k8s.namespace(service) == namespace
	k8s.name(service) == name
}

problems contains {"object": rollout, "msg": msg} if {
	some rollout in rollouts
	some template in object.get(canary(rollout), ["analysis", "templates"], [])
	not object.get(template, "clusterScope", false)
	not template_exists(k8s.namespace(rollout), template.templateName)
	msg := sprintf("analysis names AnalysisTemplate %s, which the render does not hold in %s; the analysis cannot start and every upgrade is rolled back", [template.templateName, k8s.namespace(rollout)])
}

template_exists(namespace, name) if {
	some template in objects
	template.kind == "AnalysisTemplate"
	k8s.namespace(template) == namespace
	k8s.name(template) == name
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
