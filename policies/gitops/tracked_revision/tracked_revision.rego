# METADATA
# title: Production tracks the protected branch by name, a tag or a commit
# description: >-
#   In production environments, Argo CD Application git sources and Flux GitRepositories track
#   the protected default branch by its explicit name (policies/data/gitops.yaml), a tag or a
#   commit: never HEAD (whatever the remote's default branch happens to be) and never another
#   branch, because promotion to production happens by merging reviewed pull requests into the
#   protected branch, and any other ref bypasses that review. Helm chart sources (chart set) are
#   pinned chart versions and are not concerned.
# custom:
#   id: GITOPS-002
#   severity: critical
#   kinds: [Application, GitRepository]
#   input: object
package gitops.tracked_revision

import data.lib.k8s
import data.lib.policy

default protected := "main"

protected := data.revisions.protected_branch

problems contains {"object": input, "msg": msg} if {
	policy.is_production
	k8s.is_object_input(input)
	input.kind == "Application"
	k8s.group(input) == "argoproj.io"
	some source in sources(input.spec)
	not source.chart
	revision := object.get(source, "targetRevision", "HEAD")
	not acceptable_revision(revision)
	msg := sprintf("tracks %q from %s; in %s track the protected branch %q, a tag or a commit", [revision, object.get(source, "repoURL", "its repository"), policy.environment, protected])
}

problems contains {"object": input, "msg": msg} if {
	policy.is_production
	k8s.is_object_input(input)
	input.kind == "GitRepository"
	k8s.group(input) == "source.toolkit.fluxcd.io"
	reference := object.get(input.spec, "ref", {})
	not acceptable_flux_ref(reference)
	msg := sprintf("tracks %v; in %s set spec.ref.branch to the protected branch %q, or a tag, semver or commit (no ref means master)", [reference, policy.environment, protected])
}

sources(spec) := array.concat([spec.source], object.get(spec, "sources", [])) if spec.source

sources(spec) := object.get(spec, "sources", []) if not spec.source

acceptable_revision(revision) if revision in {protected, sprintf("refs/heads/%s", [protected])}

acceptable_revision(revision) if startswith(revision, "refs/tags/")

acceptable_revision(revision) if regex.match(`^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$`, revision)

acceptable_revision(revision) if regex.match(`^[0-9a-f]{40}$`, revision)

acceptable_flux_ref(reference) if reference.commit

acceptable_flux_ref(reference) if reference.tag

acceptable_flux_ref(reference) if reference.semver

acceptable_flux_ref(reference) if startswith(reference.name, "refs/tags/")

acceptable_flux_ref(reference) if reference.name == sprintf("refs/heads/%s", [protected])

acceptable_flux_ref(reference) if {
	reference.branch == protected
	not reference.name
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
