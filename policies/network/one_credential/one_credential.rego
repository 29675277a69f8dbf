# METADATA
# title: One credential per hop
# description: >-
#   Over one environment: a caller's token checked in front of the gateway is not also read as the
#   gateway's credential. An API Gateway route with a JWT authorizer that proxies (HTTP_PROXY) to
#   a backend forwards the caller's Authorization header, whose bearer the gateway then takes for
#   its API key; and behind an Ingress whose ALB verifies JWTs (alb.ingress.kubernetes.io/jwt-validation)
#   every container of the pods it sends to (a LeaderWorkerSet's leaders: its Service selects
#   them) must read its key from its own header (GATEWAY_API_KEY_HEADER, not Authorization).
# custom:
#   id: CMB-008
#   severity: high
#   kinds: [Route, Integration, Ingress, Service, Deployment, Rollout, LeaderWorkerSet]
#   input: combined
package network.one_credential

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

key_header_env := "GATEWAY_API_KEY_HEADER"

problems contains {"object": route, "msg": msg} if {
	some route in objects
	route.kind == "Route"
	k8s.group(route) == "apigatewayv2.services.k8s.aws"
	route.spec.authorizationType == "JWT"
	some integration in objects
	integration.kind == "Integration"
	k8s.namespace(integration) == k8s.namespace(route)
	k8s.name(integration) == route.spec.targetRef.from.name
	integration.spec.integrationType == "HTTP_PROXY"
	msg := sprintf("checks the caller's JWT and proxies it to %v in the same Authorization header, where the backend reads its own credential: give each hop its own credential", [k8s.ref(integration)])
}

problems contains {"object": workload, "msg": msg} if {
	some ingress in objects
	ingress.kind == "Ingress"
	k8s.annotations(ingress)["alb.ingress.kubernetes.io/jwt-validation"]
	some rule in object.get(ingress.spec, "rules", [])
	some path in rule.http.paths
	some service in objects
	service.kind == "Service"
	k8s.namespace(service) == k8s.namespace(ingress)
	k8s.name(service) == path.backend.service.name
	some workload in objects
	workload.kind in k8s.serving_kinds
	k8s.namespace(workload) == k8s.namespace(service)
	k8s.map_selector_matches(service.spec.selector, k8s.serving_pod_labels(workload))
	some container in k8s.serving_containers(workload)
	not own_key_header(container)
	msg := sprintf("sits behind %s, whose ALB verifies the caller's JWT in Authorization, but container %q does not read its API key from a header of its own (env %s, not Authorization)", [k8s.ref(ingress), container.name, key_header_env])
}

own_key_header(container) if {
	some env in object.get(container, "env", [])
	env.name == key_header_env
	header := lower(object.get(env, "value", ""))
	header != ""
	header != "authorization"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
