package gpu.serving_signals_test

import data.gpu.serving_signals

metrics := ["vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "vllm:request_success", "vllm:iteration_tokens_total"]

scaled(triggers) := {
	"apiVersion": "keda.sh/v1alpha1",
	"kind": "ScaledObject",
	"metadata": {"name": "demo", "namespace": "llm-demo"},
	"spec": {"scaleTargetRef": {"name": "demo"}, "triggers": triggers},
}

prometheus(name, query) := {"type": "prometheus", "name": name, "metadata": {"serverAddress": "http://prometheus:9090", "query": query, "threshold": "1"}}

test_serving_signals_pass if {
	obj := scaled([
		prometheus("request-queue", `sum(vllm:num_requests_waiting{namespace="llm-demo"})`),
		prometheus("kv-cache", `avg(vllm:kv_cache_usage_perc{namespace="llm-demo"})`),
		{"type": "cpu", "metricType": "Utilization", "metadata": {"value": "80"}},
	])
	count(serving_signals.deny) == 0 with input as obj with data.model_serving.vllm_metrics as metrics
}

test_gpu_utilisation_is_denied if {
	obj := scaled([prometheus("gpu-utilization", `avg(DCGM_FI_DEV_GPU_UTIL{namespace="llm-demo"})`)])
	findings := serving_signals.deny with input as obj with data.model_serving.vllm_metrics as metrics
	count(findings) == 1
	some f in findings
	f.policy == "GPU-006"
	contains(f.msg, `trigger "gpu-utilization" scales on DCGM_FI_DEV_GPU_UTIL`)
}

test_sm_activity_is_denied_too if {
	obj := scaled([prometheus("sm", `avg(DCGM_FI_PROF_SM_ACTIVE)`)])
	count(serving_signals.deny) == 1 with input as obj with data.model_serving.vllm_metrics as metrics
}

test_a_metric_the_pinned_vllm_does_not_export_is_denied if {
	obj := scaled([prometheus("kv-cache", `avg(vllm:gpu_cache_usage_perc{namespace="llm-demo"})`)])
	findings := serving_signals.deny with input as obj with data.model_serving.vllm_metrics as metrics
	count(findings) == 1
	some f in findings
	contains(f.msg, "reads vllm:gpu_cache_usage_perc, which the pinned vLLM does not export")
}

test_counter_and_histogram_series_are_their_family if {
	obj := scaled([
		prometheus("rate", `sum(rate(vllm:request_success_total[1m]))`),
		prometheus("bucket", `histogram_quantile(0.9, sum by (le) (rate(vllm:request_success_bucket[5m])))`),
		prometheus("named-total", `sum(rate(vllm:iteration_tokens_total_sum[1m]))`),
	])
	count(serving_signals.deny) == 0 with input as obj with data.model_serving.vllm_metrics as metrics
}

test_other_trigger_types_are_not_read if {
	obj := scaled([{"type": "aws-cloudwatch", "metadata": {"metricName": "DCGM_FI_DEV_GPU_UTIL"}}])
	count(serving_signals.deny) == 0 with input as obj with data.model_serving.vllm_metrics as metrics
}
