package security.read_only_root_test

import data.lib.fixtures
import data.security.read_only_root

test_read_only_root_passes if {
	count(read_only_root.deny) == 0 with input as fixtures.model_server
}

test_writable_root_is_denied if {
	obj := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/initContainers/0/securityContext/readOnlyRootFilesystem", "value": false}])
	findings := read_only_root.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-005"
	f.container == "model-cache-fill"
}
