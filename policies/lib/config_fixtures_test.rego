# A production cluster.yaml that passes every config rule; tests change one field.
package lib.config_fixtures

prod := {
	"name": "prod",
	"aws": {"accountId": "777788889999", "region": "us-west-2", "clusterName": "llm-prod", "kubernetesVersion": "1.32"},
	"gpu": {"instanceFamilies": ["g6e", "p5"], "capacityTypes": ["on-demand"], "limits": {"gpus": 64}},
	"gitops": {"engine": "argocd", "repoURL": "https://github.com/acme/llm-fleet.git", "revision": "main"},
	"models": {
		"llama-3-1-8b-instruct": {"version": "v2026.10.3", "replicas": {"min": 2, "max": 8}},
		"llama-3-3-70b-instruct": {"version": "v2026.10.1", "replicas": {"min": 2, "max": 4}},
	},
	"promotion": {"from": "staging", "soakHours": 72},
}

dev := json.patch(prod, [
	{"op": "replace", "path": "/name", "value": "dev"},
	{"op": "replace", "path": "/gpu/capacityTypes", "value": ["spot", "on-demand"]},
	{"op": "replace", "path": "/models/llama-3-1-8b-instruct/replicas/min", "value": 0},
	{"op": "remove", "path": "/promotion"},
])
