// Command ext-proc-client plays Envoy's side of the ext-proc protocol against an endpoint picker
// (the Gateway API Inference Extension's EPP), so that a test can ask the real picker where it
// would send each request, without an Envoy. For each request it opens one ext-proc stream and
// sends what Envoy's ext_proc filter sends with the processing mode the inference extension's
// Envoy configuration uses (headers SEND, bodies FULL_DUPLEX_STREAMED): the request headers
// (:method, :path, :authority, content-type, x-request-id and any given), then the JSON body in
// chunks, the last with end_of_stream. It reads the picker's answers: the request headers
// response (the x-gateway-destination-endpoint header mutation and the envoy.lb dynamic
// metadata) and the streamed body, or an immediate response (the picker refused the request).
// Then, as an upstream that answered, it sends response headers (:status 200) and a small
// completion body with usage, and closes the stream, so the picker's request lifecycle ends as
// it does behind Envoy.
//
// Usage:
//
//	ext-proc-client --addr 127.0.0.1:9002 [--requests FILE] [--timeout 30s] [--plaintext]
//	ext-proc-client --health 127.0.0.1:9003 [--service NAME]
//	ext-proc-client --version
//
// Input (--requests FILE, or stdin; JSON): {"requests": [{"id": "r1", "path":
// "/v1/completions", "body": {...}, "headers": {"x-k": "v"}, "chunks": 2}]}; path defaults to
// /v1/completions, chunks (how many request_body messages carry the body) to 1.
//
// Output (stdout): one JSON line per request, in order, written as each finishes:
// {"id": "r1", "endpoint": "127.0.0.2:8000", "metadataEndpoint": "127.0.0.2:8000", "ms": 3}, or
// {"id": "r1", "status": 503, "body": "inference error: ..."} for an immediate response, or
// {"id": "r1", "error": "..."} when the stream failed. --health prints {"status": "SERVING"}.
// Exit 0 when every request was answered (an immediate response is an answer), 1 otherwise.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// version is the go-control-plane envoy release this binary is built from, stamped by npm run tools.
var version = "unknown"

const (
	destinationEndpointKey       = "x-gateway-destination-endpoint"
	destinationEndpointNamespace = "envoy.lb"
)

type request struct {
	ID      string            `json:"id"`
	Path    string            `json:"path"`
	Body    json.RawMessage   `json:"body"`
	Headers map[string]string `json:"headers"`
	Chunks  int               `json:"chunks"`
}

type input struct {
	Requests []request `json:"requests"`
}

type result struct {
	ID               string `json:"id"`
	Endpoint         string `json:"endpoint,omitempty"`
	MetadataEndpoint string `json:"metadataEndpoint,omitempty"`
	Status           int    `json:"status,omitempty"`
	Body             string `json:"body,omitempty"`
	Error            string `json:"error,omitempty"`
	Ms               int64  `json:"ms"`
}

func main() {
	addr := flag.String("addr", "", "the picker's ext-proc gRPC address (host:port)")
	requestsFile := flag.String("requests", "-", "the JSON file of requests (- for stdin)")
	timeout := flag.Duration("timeout", 30*time.Second, "how long one request may take, from its headers to the picker's last answer")
	plaintext := flag.Bool("plaintext", false, "connect without TLS (the picker serves TLS unless --secure-serving=false)")
	health := flag.String("health", "", "ask the gRPC health service at this address (host:port, plaintext) instead, and print its status")
	service := flag.String("service", "", "the service name --health asks about")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Printf("ext-proc-client (go-control-plane envoy %s)\n", version)
		return
	}
	if *health != "" {
		os.Exit(checkHealth(*health, *service, *timeout))
	}
	if *addr == "" {
		fmt.Fprintln(os.Stderr, "ext-proc-client: --addr (or --health, --version) is required")
		os.Exit(2)
	}

	var in input
	if err := readInput(*requestsFile, &in); err != nil {
		fmt.Fprintf(os.Stderr, "ext-proc-client: %v\n", err)
		os.Exit(2)
	}

	creds := insecure.NewCredentials()
	if !*plaintext {
		// The picker serves a self-signed certificate by default, as it does for Envoy, which is
		// configured not to verify it.
		creds = credentials.NewTLS(&tls.Config{InsecureSkipVerify: true}) //nolint:gosec // a self-signed picker on loopback
	}
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		fmt.Fprintf(os.Stderr, "ext-proc-client: %v\n", err)
		os.Exit(2)
	}
	defer conn.Close()
	client := extprocv3.NewExternalProcessorClient(conn)

	out := json.NewEncoder(os.Stdout)
	failed := 0
	for i, req := range in.Requests {
		if req.ID == "" {
			req.ID = fmt.Sprintf("request-%d", i+1)
		}
		started := time.Now()
		res := send(client, req, *timeout)
		res.ID = req.ID
		res.Ms = time.Since(started).Milliseconds()
		if res.Error != "" {
			failed++
		}
		if err := out.Encode(res); err != nil {
			fmt.Fprintf(os.Stderr, "ext-proc-client: %v\n", err)
			os.Exit(2)
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}

func readInput(file string, in *input) error {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, in); err != nil {
		return fmt.Errorf("reading the requests: %w", err)
	}
	return nil
}

func checkHealth(addr, service string, timeout time.Duration) int {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintf(os.Stderr, "ext-proc-client: %v\n", err)
		return 2
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	status := ""
	if err != nil {
		status = "UNREACHABLE"
	} else {
		status = resp.GetStatus().String()
	}
	line, _ := json.Marshal(map[string]string{"status": status})
	fmt.Println(string(line))
	if status != healthpb.HealthCheckResponse_SERVING.String() {
		return 1
	}
	return 0
}

func header(key, value string) *corev3.HeaderValue {
	return &corev3.HeaderValue{Key: key, RawValue: []byte(value)}
}

// send runs one request's ext-proc stream, as Envoy does.
func send(client extprocv3.ExternalProcessorClient, req request, timeout time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	stream, err := client.Process(ctx)
	if err != nil {
		return result{Error: err.Error()}
	}

	path := req.Path
	if path == "" {
		path = "/v1/completions"
	}
	headers := []*corev3.HeaderValue{
		header(":method", "POST"),
		header(":path", path),
		header(":authority", "gateway"),
		header(":scheme", "http"),
		header("content-type", "application/json"),
		header("content-length", fmt.Sprint(len(req.Body))),
		header("x-request-id", req.ID),
	}
	for k, v := range req.Headers {
		headers = append(headers, header(k, v))
	}
	// Envoy says how it will send bodies on the stream's first message.
	first := &extprocv3.ProcessingRequest{
		ProtocolConfig: &extprocv3.ProtocolConfiguration{
			RequestBodyMode:  filterv3.ProcessingMode_FULL_DUPLEX_STREAMED,
			ResponseBodyMode: filterv3.ProcessingMode_FULL_DUPLEX_STREAMED,
		},
		Request: &extprocv3.ProcessingRequest_RequestHeaders{
			RequestHeaders: &extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: headers}},
		},
	}
	if err := stream.Send(first); err != nil {
		return result{Error: fmt.Sprintf("sending the request headers: %v", err)}
	}
	// In FULL_DUPLEX_STREAMED mode Envoy does not wait for the headers' answer: the body follows
	// as it arrives, in chunks, the last with end_of_stream.
	chunks := max(req.Chunks, 1)
	size := (len(req.Body) + chunks - 1) / chunks
	for i := 0; i < chunks; i++ {
		start := min(i*size, len(req.Body))
		end := min(start+size, len(req.Body))
		if i == chunks-1 {
			end = len(req.Body)
		}
		body := &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{
			RequestBody: &extprocv3.HttpBody{Body: req.Body[start:end], EndOfStream: i == chunks-1},
		}}
		if err := stream.Send(body); err != nil {
			return result{Error: fmt.Sprintf("sending the request body: %v", err)}
		}
	}

	var res result
	// The picker answers the headers (where to route) once the whole body is in, then the body.
	for bodyDone := false; !bodyDone; {
		resp, err := stream.Recv()
		if err != nil {
			return result{Error: fmt.Sprintf("waiting for the picker's answer: %v", err)}
		}
		switch r := resp.Response.(type) {
		case *extprocv3.ProcessingResponse_ImmediateResponse:
			res.Status = int(r.ImmediateResponse.GetStatus().GetCode())
			res.Body = string(r.ImmediateResponse.GetBody())
			_ = stream.CloseSend()
			return res
		case *extprocv3.ProcessingResponse_RequestHeaders:
			for _, h := range r.RequestHeaders.GetResponse().GetHeaderMutation().GetSetHeaders() {
				if h.GetHeader().GetKey() == destinationEndpointKey {
					res.Endpoint = string(h.GetHeader().GetRawValue())
					if res.Endpoint == "" {
						res.Endpoint = h.GetHeader().GetValue()
					}
				}
			}
			lb := resp.GetDynamicMetadata().GetFields()[destinationEndpointNamespace].GetStructValue()
			res.MetadataEndpoint = lb.GetFields()[destinationEndpointKey].GetStringValue()
		case *extprocv3.ProcessingResponse_RequestBody:
			streamed := r.RequestBody.GetResponse().GetBodyMutation().GetStreamedResponse()
			bodyDone = streamed == nil || streamed.GetEndOfStream()
		default:
			return result{Error: fmt.Sprintf("unexpected answer before the request body's: %T", resp.Response)}
		}
	}

	// The upstream answers: response headers, then a non-streamed completion with usage.
	respHeaders := &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseHeaders{
		ResponseHeaders: &extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
			header(":status", "200"),
			header("content-type", "application/json"),
		}}},
	}}
	completion := []byte(`{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":"ok","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	respBody := &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseBody{
		ResponseBody: &extprocv3.HttpBody{Body: completion, EndOfStream: true},
	}}
	for _, msg := range []*extprocv3.ProcessingRequest{respHeaders, respBody} {
		if err := stream.Send(msg); err != nil {
			return withError(res, fmt.Errorf("sending the response: %w", err))
		}
	}
	for bodyDone := false; !bodyDone; {
		resp, err := stream.Recv()
		if err != nil {
			return withError(res, fmt.Errorf("waiting for the picker's answer to the response: %w", err))
		}
		if r, ok := resp.Response.(*extprocv3.ProcessingResponse_ResponseBody); ok {
			streamed := r.ResponseBody.GetResponse().GetBodyMutation().GetStreamedResponse()
			bodyDone = streamed == nil || streamed.GetEndOfStream()
		}
	}
	if err := stream.CloseSend(); err != nil {
		return withError(res, err)
	}
	// The picker ends the stream once it has seen ours end.
	if _, err := stream.Recv(); err != nil && !errors.Is(err, io.EOF) {
		return withError(res, fmt.Errorf("closing the stream: %w", err))
	}
	return res
}

func withError(res result, err error) result {
	res.Error = err.Error()
	return res
}
