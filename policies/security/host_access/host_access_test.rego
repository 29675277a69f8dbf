package security.host_access_test

import data.lib.fixtures
import data.security.host_access

plugin := {
	"apiVersion": "apps/v1",
	"kind": "DaemonSet",
	"metadata": {"name": "nvidia-device-plugin", "namespace": "gpu-system"},
	"spec": {"template": {"spec": {
		"hostNetwork": true,
		"containers": [{"name": "plugin", "image": "nvcr.io/nvidia/k8s-device-plugin"}],
		"volumes": [{"name": "device-plugin", "hostPath": {"path": "/var/lib/kubelet/device-plugins"}}],
	}}},
}

allow_list := {"allowed": [{"kind": "DaemonSet", "namespace": "gpu-system", "name": "nvidia-device-plugin"}]}

test_pods_without_host_access_pass if {
	count(host_access.deny) == 0 with input as fixtures.model_server with data.host_access as allow_list
}

test_allow_listed_device_plugin_passes if {
	count(host_access.deny) == 0 with input as plugin with data.host_access as allow_list
}

test_device_plugin_not_on_the_list_is_denied if {
	findings := host_access.deny with input as plugin with data.host_access as {"allowed": []}
	count(findings) == 2
	every f in findings {
		f.policy == "SEC-006"
	}
}

test_host_network_in_a_deployment_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/hostNetwork", "value": true}])
	findings := host_access.deny with input as obj with data.host_access as allow_list
	count(findings) == 1
	some f in findings
	contains(f.msg, "hostNetwork")
}

test_host_port_zero_means_none if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/containers/0/ports/0/hostPort", "value": 0}])
	count(host_access.deny) == 0 with input as obj with data.host_access as allow_list
}

test_host_port_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "add", "path": "/spec/template/spec/containers/0/ports/0/hostPort", "value": 4000}])
	findings := host_access.deny with input as obj with data.host_access as allow_list
	count(findings) == 1
	some f in findings
	f.container == "gateway"
	contains(f.msg, "hostPort 4000")
}

# A LeaderWorkerSet's worker containers are checked as well as its leader's.
test_leader_worker_set_passes if {
	count(host_access.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_worker_is_checked if {
	obj := json.patch(fixtures.lws_model_server, [{"op": "add", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/ports", "value": [{"containerPort": 29501, "hostPort": 29501}]}])
	findings := host_access.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "SEC-006"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "hostPort 29501")
}
