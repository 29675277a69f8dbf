// Command netpol-analyzer answers, for a batch of flows, whether Kubernetes NetworkPolicies allow
// each one, with cyclonus's policy engine (github.com/mattfenwick/cyclonus/pkg/matcher, the
// evaluator the network-policy-api project's policy-assistant grew from). It is the engine of the
// network-flow gate: the gate decides which flows must be allowed or denied; this program only
// evaluates NetworkPolicy semantics (selectors, namespaces, ipBlocks with except, named and
// ranged ports, protocols, ingress and egress).
//
// Input (stdin, JSON): {"policies": [NetworkPolicy...], "flows": [{"source": PEER,
// "destination": PEER, "port": 9666, "portName": "metricsservice", "protocol": "TCP"}]}, where
// PEER is {"namespace": "keda", "namespaceLabels": {...}, "podLabels": {...}, "ip": "10.0.0.30"}
// for a pod (ip optional: the pod's address, which ipBlocks match) or {"ip": "10.0.0.10"} for an
// address outside the cluster's pods.
//
// Output (stdout, JSON): {"results": [{"allowed": bool, "egress": VERDICT, "ingress": VERDICT}]}
// in the order of the flows, where VERDICT is {"allowed": bool, "selectedBy": ["ns/name"...],
// "allowedBy": ["ns/name"...]}: the policies that select the pod on that side and those of them
// that admit the flow. A side no policy selects is allowed, as in Kubernetes.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	v1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// version is the cyclonus release this binary is built from, stamped by npm run tools.
var version = "unknown"

type peer struct {
	Namespace       string            `json:"namespace"`
	NamespaceLabels map[string]string `json:"namespaceLabels"`
	PodLabels       map[string]string `json:"podLabels"`
	IP              string            `json:"ip"`
}

type flow struct {
	Source      peer   `json:"source"`
	Destination peer   `json:"destination"`
	Port        int    `json:"port"`
	PortName    string `json:"portName"`
	Protocol    string `json:"protocol"`
}

type input struct {
	Policies []*networkingv1.NetworkPolicy `json:"policies"`
	Flows    []flow                        `json:"flows"`
}

type verdict struct {
	Allowed    bool     `json:"allowed"`
	SelectedBy []string `json:"selectedBy"`
	AllowedBy  []string `json:"allowedBy"`
}

type result struct {
	Allowed bool    `json:"allowed"`
	Egress  verdict `json:"egress"`
	Ingress verdict `json:"ingress"`
}

func trafficPeer(p peer) (*matcher.TrafficPeer, error) {
	if p.Namespace == "" {
		if p.IP == "" {
			return nil, fmt.Errorf("a peer needs a namespace (a pod) or an ip (an address): %+v", p)
		}
		return &matcher.TrafficPeer{IP: p.IP}, nil
	}
	labels := map[string]string{}
	for k, v := range p.NamespaceLabels {
		labels[k] = v
	}
	// As the API server sets it on every namespace.
	labels["kubernetes.io/metadata.name"] = p.Namespace
	pod := p.PodLabels
	if pod == nil {
		pod = map[string]string{}
	}
	// A pod's own address, matched by ipBlocks as the CNI does (on EKS pods have VPC addresses);
	// without one, no ipBlock admits the pod.
	ip := p.IP
	if ip == "" {
		ip = "0.0.0.0"
	}
	return &matcher.TrafficPeer{IP: ip, Internal: &matcher.InternalPeer{Namespace: p.Namespace, NamespaceLabels: labels, PodLabels: pod}}, nil
}

// attribution says, one policy at a time, which policies select the pod on a side and which of
// them admit the flow (the engine combines policies that share a pod selector, so its own
// targets cannot name the one that decides).
type attribution struct {
	name   string
	policy *matcher.Policy
}

func side(d *matcher.DirectionResult, traffic *matcher.Traffic, each []attribution, ingress bool) verdict {
	v := verdict{Allowed: d.IsAllowed(), SelectedBy: []string{}, AllowedBy: []string{}}
	for _, a := range each {
		one := a.policy.IsIngressOrEgressAllowed(traffic, ingress)
		if len(one.AllowingTargets)+len(one.DenyingTargets) == 0 {
			continue
		}
		v.SelectedBy = append(v.SelectedBy, a.name)
		if len(one.AllowingTargets) > 0 {
			v.AllowedBy = append(v.AllowedBy, a.name)
		}
	}
	sort.Strings(v.SelectedBy)
	sort.Strings(v.AllowedBy)
	return v
}

func run(in io.Reader, out io.Writer) error {
	var request input
	decoder := json.NewDecoder(in)
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&request); err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	policy := matcher.BuildNetworkPolicies(false, request.Policies)
	each := make([]attribution, 0, len(request.Policies))
	for _, p := range request.Policies {
		each = append(each, attribution{name: p.Namespace + "/" + p.Name, policy: matcher.BuildNetworkPolicies(false, []*networkingv1.NetworkPolicy{p})})
	}
	results := make([]result, 0, len(request.Flows))
	for i, f := range request.Flows {
		source, err := trafficPeer(f.Source)
		if err != nil {
			return fmt.Errorf("flow %d source: %w", i, err)
		}
		destination, err := trafficPeer(f.Destination)
		if err != nil {
			return fmt.Errorf("flow %d destination: %w", i, err)
		}
		protocol := v1.Protocol(f.Protocol)
		if protocol == "" {
			protocol = v1.ProtocolTCP
		}
		traffic := &matcher.Traffic{
			Source:           source,
			Destination:      destination,
			ResolvedPort:     f.Port,
			ResolvedPortName: f.PortName,
			Protocol:         protocol,
		}
		allowed := policy.IsTrafficAllowed(traffic)
		r := result{Egress: side(allowed.Egress, traffic, each, false), Ingress: side(allowed.Ingress, traffic, each, true)}
		r.Allowed = r.Egress.Allowed && r.Ingress.Allowed
		results = append(results, r)
	}
	encoder := json.NewEncoder(out)
	return encoder.Encode(map[string]any{"results": results})
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Printf("netpol-analyzer (cyclonus %s)\n", version)
		return
	}
	if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: netpol-analyzer < request.json  (or --version); see the comment in tools/netpol-analyzer/main.go")
		os.Exit(2)
	}
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "netpol-analyzer: %v\n", err)
		os.Exit(2)
	}
}
