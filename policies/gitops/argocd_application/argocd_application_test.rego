package gitops.argocd_application_test

import data.gitops.argocd_application

application := {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Application",
	"metadata": {"name": "prod-apps-gateway", "namespace": "argocd"},
	"spec": {
		"project": "prod",
		"destination": {"server": "https://kubernetes.default.svc"},
		"source": {"repoURL": "https://github.com/acme/llm-fleet.git", "path": "clusters/prod/manifests/apps/gateway", "targetRevision": "main"},
		"syncPolicy": {"automated": {"prune": true, "selfHeal": true}},
	},
}

test_project_and_self_healing_pass if {
	count(argocd_application.deny) == 0 with input as application
}

test_default_project_is_denied if {
	findings := argocd_application.deny with input as json.patch(application, [{"op": "replace", "path": "/spec/project", "value": "default"}])
	count(findings) == 1
	some f in findings
	f.policy == "GITOPS-001"
	f.namespace == "argocd"
	contains(f.msg, "default project")
}

test_missing_project_is_the_default_project if {
	count(argocd_application.deny) == 1 with input as json.patch(application, [{"op": "remove", "path": "/spec/project"}])
}

test_manual_sync_is_denied if {
	findings := argocd_application.deny with input as json.patch(application, [{"op": "remove", "path": "/spec/syncPolicy/automated"}])
	count(findings) == 2
}

test_no_self_heal_is_denied if {
	findings := argocd_application.deny with input as json.patch(application, [{"op": "replace", "path": "/spec/syncPolicy/automated/selfHeal", "value": false}])
	count(findings) == 1
	some f in findings
	contains(f.msg, "selfHeal")
}
