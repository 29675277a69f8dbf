import { EPP_GRPC_PORT } from './endpoint-picker.js';

/** The router's HTTP port: the gateway sends a model's requests here. */
export const ROUTER_PORT = 8081;
/** Envoy's readiness and Prometheus stats listener (the admin interface stays on loopback). */
export const ENVOY_READY_PORT = 19001;
const ENVOY_ADMIN_PORT = 19000;
/** The header the endpoint picker answers with: the pod (ip:port) a request goes to. */
export const DESTINATION_HEADER = 'x-gateway-destination-endpoint';

const type = (name: string) => `type.googleapis.com/${name}`;

/**
 * Envoy's bootstrap for the router pod, as the Inference Extension's standalone chart (v1.5.0)
 * writes it: every request's headers and body go to the endpoint picker on localhost over
 * ext-proc, which answers with the pod to use in `x-gateway-destination-endpoint`; an
 * ORIGINAL_DST cluster connects to that pod. When the picker cannot answer the request fails
 * (no fallback to a pod it did not choose). Timeouts follow the gateway's: a streamed
 * completion may run `requestTimeoutSeconds`.
 */
export function envoyConfig(options: { readonly requestTimeoutSeconds: number }): Record<string, unknown> {
  const timeout = `${options.requestTimeoutSeconds}s`;
  const router = { name: 'envoy.filters.http.router', typed_config: { '@type': type('envoy.extensions.filters.http.router.v3.Router') } };
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: ENVOY_ADMIN_PORT } } },
    static_resources: {
      listeners: [
        {
          name: 'ready',
          address: { socket_address: { address: '0.0.0.0', port_value: ENVOY_READY_PORT } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': type('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
                    stat_prefix: 'ready',
                    route_config: {
                      name: 'stats',
                      virtual_hosts: [
                        {
                          name: 'stats',
                          domains: ['*'],
                          routes: [{ match: { prefix: '/stats/prometheus' }, route: { cluster: 'admin' } }],
                        },
                      ],
                    },
                    http_filters: [
                      {
                        name: 'envoy.filters.http.health_check',
                        typed_config: {
                          '@type': type('envoy.extensions.filters.http.health_check.v3.HealthCheck'),
                          pass_through_mode: false,
                          headers: [{ name: ':path', string_match: { exact: '/ready' } }],
                        },
                      },
                      router,
                    ],
                  },
                },
              ],
            },
          ],
        },
        {
          name: 'inference',
          address: { socket_address: { address: '0.0.0.0', port_value: ROUTER_PORT } },
          per_connection_buffer_limit_bytes: 32768,
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': type('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
                    stat_prefix: 'inference',
                    route_config: {
                      name: 'inference',
                      virtual_hosts: [
                        {
                          name: 'inference',
                          domains: ['*'],
                          routes: [
                            {
                              match: { prefix: '/' },
                              route: { cluster: 'picked_pod', timeout, idle_timeout: timeout },
                            },
                          ],
                        },
                      ],
                    },
                    http_filters: [
                      {
                        name: 'envoy.filters.http.ext_proc',
                        typed_config: {
                          '@type': type('envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor'),
                          grpc_service: {
                            envoy_grpc: { cluster_name: 'endpoint_picker', authority: `localhost:${EPP_GRPC_PORT}` },
                            timeout: '10s',
                          },
                          // No request reaches a pod the picker did not choose.
                          failure_mode_allow: false,
                          processing_mode: {
                            request_header_mode: 'SEND',
                            response_header_mode: 'SEND',
                            request_body_mode: 'FULL_DUPLEX_STREAMED',
                            response_body_mode: 'FULL_DUPLEX_STREAMED',
                            request_trailer_mode: 'SEND',
                            response_trailer_mode: 'SEND',
                          },
                          message_timeout: timeout,
                        },
                      },
                      { ...router, typed_config: { ...router.typed_config, suppress_envoy_headers: true } },
                    ],
                    http2_protocol_options: { max_concurrent_streams: 100 },
                    use_remote_address: true,
                    normalize_path: true,
                    merge_slashes: true,
                    common_http_protocol_options: { headers_with_underscores_action: 'REJECT_REQUEST' },
                    path_with_escaped_slashes_action: 'UNESCAPE_AND_REDIRECT',
                    access_log: [
                      {
                        name: 'envoy.access_loggers.file',
                        typed_config: {
                          '@type': type('envoy.extensions.access_loggers.file.v3.FileAccessLog'),
                          path: '/dev/stdout',
                          log_format: {
                            json_format: {
                              start_time: '%START_TIME%',
                              method: '%REQ(:METHOD)%',
                              path: '%REQ(:PATH)%',
                              status: '%RESPONSE_CODE%',
                              flags: '%RESPONSE_FLAGS%',
                              duration_ms: '%DURATION%',
                              pod: '%UPSTREAM_HOST%',
                              request_id: '%REQ(X-REQUEST-ID)%',
                            },
                          },
                        },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'admin',
          type: 'STATIC',
          connect_timeout: '0.25s',
          load_assignment: {
            cluster_name: 'admin',
            endpoints: [
              { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: ENVOY_ADMIN_PORT } } } }] },
            ],
          },
        },
        {
          // The pod the picker chose, by the header it set.
          name: 'picked_pod',
          type: 'ORIGINAL_DST',
          connect_timeout: '10s',
          lb_policy: 'CLUSTER_PROVIDED',
          circuit_breakers: { thresholds: [{ max_connections: 40000, max_pending_requests: 40000, max_requests: 40000 }] },
          original_dst_lb_config: { use_http_header: true, http_header_name: DESTINATION_HEADER },
        },
        {
          // The endpoint picker in the same pod, over TLS with its own serving certificate (on loopback).
          name: 'endpoint_picker',
          type: 'STATIC',
          connect_timeout: '10s',
          lb_policy: 'LEAST_REQUEST',
          health_checks: [
            {
              timeout: '2s',
              interval: '10s',
              unhealthy_threshold: 3,
              healthy_threshold: 2,
              reuse_connection: true,
              grpc_health_check: { service_name: 'envoy.service.ext_proc.v3.ExternalProcessor' },
              tls_options: { alpn_protocols: ['h2'] },
            },
          ],
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: { '@type': type('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'), common_tls_context: {} },
          },
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': type('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          load_assignment: {
            cluster_name: 'endpoint_picker',
            endpoints: [
              { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: EPP_GRPC_PORT } } } }] },
            ],
          },
        },
      ],
    },
  };
}
