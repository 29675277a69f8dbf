package gitops.tracked_revision_test

import data.gitops.tracked_revision

application(revision) := {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Application",
	"metadata": {"name": "prod-apps-gateway", "namespace": "argocd"},
	"spec": {
		"project": "prod",
		"destination": {"server": "https://kubernetes.default.svc"},
		"source": {"repoURL": "https://github.com/acme/llm-fleet.git", "path": "clusters/prod/manifests/apps/gateway", "targetRevision": revision},
	},
}

helm_application := {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Application",
	"metadata": {"name": "karpenter", "namespace": "argocd"},
	"spec": {
		"project": "prod",
		"destination": {"server": "https://kubernetes.default.svc"},
		"source": {"repoURL": "public.ecr.aws/karpenter", "chart": "karpenter", "targetRevision": "1.14.1"},
	},
}

repository(ref) := {
	"apiVersion": "source.toolkit.fluxcd.io/v1",
	"kind": "GitRepository",
	"metadata": {"name": "fleet", "namespace": "flux-system"},
	"spec": {"url": "https://github.com/acme/llm-fleet.git", "interval": "1m", "ref": ref},
}

denied(obj) := findings if {
	findings := tracked_revision.deny with input as obj with data.llm.environment as "prod" with data.revisions.protected_branch as "main"
}

test_protected_branch_tag_and_commit_pass if {
	count(denied(application("main"))) == 0
	count(denied(application("refs/heads/main"))) == 0
	count(denied(application("v2026.11.1"))) == 0
	count(denied(application("refs/tags/release-42"))) == 0
	count(denied(application("0123456789abcdef0123456789abcdef01234567"))) == 0
}

test_head_is_denied_in_prod if {
	findings := denied(application("HEAD"))
	count(findings) == 1
	some f in findings
	f.policy == "GITOPS-002"
	f.severity == "critical"
	contains(f.msg, "tracks \"HEAD\"")
}

test_missing_revision_is_head if {
	count(denied(json.patch(application("main"), [{"op": "remove", "path": "/spec/source/targetRevision"}]))) == 1
}

test_other_branch_is_denied_in_prod if {
	count(denied(application("feature/faster"))) == 1
}

test_other_branch_is_fine_in_dev if {
	count(tracked_revision.deny) == 0 with input as application("feature/faster") with data.llm.environment as "dev"
}

test_helm_chart_versions_are_not_git_refs if {
	count(denied(helm_application)) == 0
}

test_multi_source_applications_check_every_git_source if {
	obj := json.patch(application("main"), [
		{"op": "remove", "path": "/spec/source"},
		{"op": "add", "path": "/spec/sources", "value": [
			{"repoURL": "public.ecr.aws/karpenter", "chart": "karpenter", "targetRevision": "1.14.1"},
			{"repoURL": "https://github.com/acme/llm-fleet.git", "targetRevision": "HEAD", "ref": "values"},
		]},
	])
	count(denied(obj)) == 1
}

test_flux_repository_on_protected_branch_passes if {
	count(denied(repository({"branch": "main"}))) == 0
	count(denied(repository({"tag": "v1.2.3"}))) == 0
	count(denied(repository({"commit": "0123456789abcdef0123456789abcdef01234567"}))) == 0
}

test_flux_repository_without_ref_is_denied if {
	findings := denied(json.patch(repository({}), [{"op": "remove", "path": "/spec/ref"}]))
	count(findings) == 1
	some f in findings
	f.kind == "GitRepository"
}

test_flux_repository_on_other_branch_is_denied if {
	count(denied(repository({"branch": "develop"}))) == 1
}
