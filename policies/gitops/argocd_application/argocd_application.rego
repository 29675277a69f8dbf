# METADATA
# title: Argo CD Applications belong to a project and heal themselves
# description: >-
#   An Argo CD Application is not in the default project (which may deploy anything anywhere;
#   our AppProjects allow only the fleet's repository, destinations and kinds), and syncs
#   automatically with prune and selfHeal, so that git stays the truth: a hand edit in the
#   cluster is reverted and a file deleted from git is deleted from the cluster.
# custom:
#   id: GITOPS-001
#   severity: high
#   kinds: [Application]
#   input: object
package gitops.argocd_application

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	is_application
	object.get(input.spec, "project", "default") == "default"
	msg := "is in the default project, which may deploy anything anywhere; set spec.project to the environment's AppProject"
}

problems contains {"object": input, "msg": msg} if {
	is_application
	some setting in ["prune", "selfHeal"]
	not input.spec.syncPolicy.automated[setting] == true
	msg := sprintf("does not set syncPolicy.automated.%s: true, so the cluster can drift from git; set it", [setting])
}

is_application if {
	k8s.is_object_input(input)
	input.kind == "Application"
	k8s.group(input) == "argoproj.io"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
