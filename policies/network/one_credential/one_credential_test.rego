package network.one_credential_test

import data.lib.fixtures
import data.network.one_credential

route := {
	"apiVersion": "apigatewayv2.services.k8s.aws/v1alpha1",
	"kind": "Route",
	"metadata": {"name": "default", "namespace": "aws-platform"},
	"spec": {"apiRef": {"from": {"name": "api"}}, "routeKey": "$default", "targetRef": {"from": {"name": "gateway"}}, "authorizationType": "JWT", "authorizerRef": {"from": {"name": "jwt"}}},
}

integration(type) := {
	"apiVersion": "apigatewayv2.services.k8s.aws/v1alpha1",
	"kind": "Integration",
	"metadata": {"name": "gateway", "namespace": "aws-platform"},
	"spec": {"apiRef": {"from": {"name": "api"}}, "integrationType": type},
}

ingress := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": "api", "namespace": "gateway", "annotations": {"alb.ingress.kubernetes.io/jwt-validation": "{\"issuer\":\"https://auth.example.com/\"}"}},
	"spec": {"ingressClassName": "alb", "rules": [{"host": "api.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "gateway", "port": {"name": "http"}}}}]}}]},
}

service := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "gateway", "namespace": "gateway"},
	"spec": {"selector": {"app.kubernetes.io/name": "gateway"}, "ports": [{"port": 4000}]},
}

web_with_env(env) := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/containers/0/env", "value": env}])

test_a_jwt_route_that_proxies_is_denied if {
	findings := one_credential.deny with input as fixtures.combined([route, integration("HTTP_PROXY")])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-008"
	contains(f.msg, "proxies it to Integration aws-platform/gateway in the same Authorization header")
}

test_a_jwt_route_to_a_function_passes if {
	count(one_credential.deny) == 0 with input as fixtures.combined([route, integration("AWS_PROXY")])
}

test_a_backend_reading_its_key_from_its_own_header_passes if {
	pods := web_with_env([{"name": "GATEWAY_API_KEY_HEADER", "value": "x-litellm-api-key"}])
	count(one_credential.deny) == 0 with input as fixtures.combined([ingress, service, pods])
}

test_a_backend_reading_authorization_is_denied if {
	findings := one_credential.deny with input as fixtures.combined([ingress, service, fixtures.web])
	count(findings) == 1
	some f in findings
	contains(f.msg, "does not read its API key from a header of its own")
}

test_naming_authorization_as_the_key_header_is_denied if {
	pods := web_with_env([{"name": "GATEWAY_API_KEY_HEADER", "value": "Authorization"}])
	count(one_credential.deny) == 1 with input as fixtures.combined([ingress, service, pods])
}

test_without_jwt_validation_the_key_may_be_the_bearer if {
	plain := json.patch(ingress, [{"op": "remove", "path": "/metadata/annotations"}])
	count(one_credential.deny) == 0 with input as fixtures.combined([plain, service, fixtures.web])
}

# Behind a JWT-verifying Ingress, a LeaderWorkerSet's leaders (which its Service selects) need
# their own key header; its headless workers get no requests.
lws_ingress := json.patch(ingress, [
	{"op": "replace", "path": "/metadata/namespace", "value": "llm-big"},
	{"op": "replace", "path": "/spec/rules/0/http/paths/0/backend/service/name", "value": "big"},
])

lws_service := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "big", "namespace": "llm-big"},
	"spec": {"selector": {"app.kubernetes.io/instance": "big", "leaderworkerset.sigs.k8s.io/worker-index": "0"}, "ports": [{"port": 8000}]},
}

key_header := {"name": "GATEWAY_API_KEY_HEADER", "value": "x-api-key"}

test_leader_worker_set_leader_with_its_own_header_passes if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "add", "path": "/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/env/-", "value": key_header}])
	count(one_credential.deny) == 0 with input as fixtures.combined([lws_ingress, lws_service, obj])
}

test_leader_worker_set_leader_without_its_own_header_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "add", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/env/-", "value": key_header}])
	findings := one_credential.deny with input as fixtures.combined([lws_ingress, lws_service, obj])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-008"
	f.kind == "LeaderWorkerSet"
}
