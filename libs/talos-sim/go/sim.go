package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Options configure one simulated cluster's worth of nodes.
type Options struct {
	StateDir string
	// Addresses are the loopback addresses, one per node (127.0.0.x).
	Addresses []string
	Port      int
	// ValidationMode is the platform mode machine configs are validated in: "cloud" (nocloud, the default) or "metal".
	ValidationMode string
	// TemplateImage is the installer reference of the image the VMs boot from (schematic + version of the template).
	TemplateImage string
	Platform      string
	// BootDelay is how long a "reboot" keeps apid down.
	BootDelay time.Duration
	// AllowSchematicChange lets Upgrade move a node to an installer with another schematic (extensions change).
	AllowSchematicChange bool
	MemoryMiB            uint64
	DiskGiB              uint64
}

// Sim is all simulated nodes, in one process.
type Sim struct {
	opts  Options
	mu    sync.Mutex
	nodes map[string]*Node
	// clusters: cluster ID -> who bootstrapped etcd (once per cluster).
	clusters map[string]*ClusterRecord
	logger   *log.Logger
	stopped  bool
}

// Node is one simulated Talos machine and its apid listener.
type Node struct {
	sim *Sim
	rec NodeRecord
	cfg config.Provider
	// raw is the machine config as applied (what a real node stores in STATE).
	raw    []byte
	server *grpc.Server
	up     bool
	cosi   *cosiState
	// rebootPending is set from the moment a reboot is decided until the node is up again.
	rebootPending bool
}

func (o Options) dir(parts ...string) string {
	return filepath.Join(append([]string{o.StateDir}, parts...)...)
}

// NewSim loads (or creates) every node's state.
func NewSim(opts Options, logger *log.Logger) (*Sim, error) {
	if _, err := ParseInstallerImage(opts.TemplateImage); err != nil {
		return nil, fmt.Errorf("--template-image: %w", err)
	}
	s := &Sim{opts: opts, nodes: map[string]*Node{}, clusters: map[string]*ClusterRecord{}, logger: logger}
	for _, addr := range opts.Addresses {
		ip := net.ParseIP(addr)
		if ip == nil || !ip.IsLoopback() || ip.To4() == nil {
			return nil, fmt.Errorf("node address %q: expected an IPv4 loopback address (127.0.0.x)", addr)
		}
		n := &Node{sim: s}
		found, err := readJSON(opts.dir("nodes", addr, "node.json"), &n.rec)
		if err != nil {
			return nil, err
		}
		if !found {
			n.rec = NodeRecord{Address: addr, Mode: ModeMaintenance, InstalledImage: opts.TemplateImage}
		}
		if n.rec.Calls == nil {
			n.rec.Calls = map[string]int{}
		}
		if n.rec.Mode == ModeConfigured {
			raw, err := os.ReadFile(opts.dir("nodes", addr, "config.yaml"))
			if err != nil {
				return nil, fmt.Errorf("node %s: %w", addr, err)
			}
			cfg, err := configloader.NewFromBytes(raw)
			if err != nil {
				return nil, fmt.Errorf("node %s: stored config: %w", addr, err)
			}
			n.cfg, n.raw = cfg, raw
		}
		s.nodes[addr] = n
	}
	entries, err := os.ReadDir(opts.dir("clusters"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		var rec ClusterRecord
		if _, err := readJSON(opts.dir("clusters", e.Name()), &rec); err != nil {
			return nil, err
		}
		s.clusters[rec.ID] = &rec
	}
	return s, nil
}

// Start boots every node.
func (s *Sim) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, addr := range s.sortedAddresses() {
		if err := s.nodes[addr].boot(); errors.Is(err, errNoIssuer) {
			s.nodes[addr].bootOrRetry()
		} else if err != nil {
			return err
		}
	}
	return s.writeStatus()
}

// Stop shuts every listener down.
func (s *Sim) Stop() {
	s.mu.Lock()
	s.stopped = true
	servers := []*grpc.Server{}
	for _, n := range s.nodes {
		if n.server != nil {
			servers = append(servers, n.server)
		}
		n.up = false
	}
	s.mu.Unlock()
	for _, srv := range servers {
		srv.Stop()
	}
}

func (s *Sim) sortedAddresses() []string {
	addrs := make([]string, 0, len(s.nodes))
	for a := range s.nodes {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	return addrs
}

// writeStatus publishes what serves where (<state>/sim.json), for the TypeScript adapter.
func (s *Sim) writeStatus() error {
	type nodeStatus struct {
		Address string `json:"address"`
		Mode    Mode   `json:"mode"`
		Up      bool   `json:"up"`
	}
	nodes := []nodeStatus{}
	for _, a := range s.sortedAddresses() {
		n := s.nodes[a]
		nodes = append(nodes, nodeStatus{Address: a, Mode: n.rec.Mode, Up: n.up})
	}
	return writeJSON(s.opts.dir("sim.json"), map[string]any{
		"pid":   os.Getpid(),
		"port":  s.opts.Port,
		"nodes": nodes,
	})
}

// persist writes the node's record (call with s.mu held).
func (n *Node) persist() error {
	return writeJSON(n.sim.opts.dir("nodes", n.rec.Address, "node.json"), n.rec)
}

func (n *Node) endpoint() string {
	return net.JoinHostPort(n.rec.Address, strconv.Itoa(n.sim.opts.Port))
}

// boot starts apid for the node's current mode (call with s.mu held).
func (n *Node) boot() error {
	tlsConfig, err := n.tlsConfig()
	if err != nil {
		return fmt.Errorf("node %s: %w", n.rec.Address, err)
	}
	lis, err := net.Listen("tcp", n.endpoint())
	if err != nil {
		return fmt.Errorf("node %s: %w", n.rec.Address, err)
	}
	n.rec.Boots++
	n.rec.BootID = randomID()
	n.rec.BootLog = append(n.rec.BootLog, BootEntry{At: now(), Mode: n.rec.Mode, Image: n.rec.InstalledImage})
	n.cosi = newCosiState(n)
	srv := grpc.NewServer(
		grpc.Creds(credentials.NewTLS(tlsConfig)),
		grpc.UnaryInterceptor(n.unaryInterceptor),
		grpc.StreamInterceptor(n.streamInterceptor),
	)
	registerServices(srv, n)
	n.server, n.up, n.rebootPending = srv, true, false
	if n.configured() {
		n.sim.refreshCluster(n.rec.ClusterID)
	}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			n.sim.logger.Printf("node %s: serve: %v", n.rec.Address, err)
		}
	}()
	if err := n.persist(); err != nil {
		return err
	}
	n.sim.logger.Printf("node %s: up in %s mode (%s)", n.rec.Address, n.rec.Mode, n.rec.InstalledImage)
	return nil
}

// reboot takes apid down for BootDelay and boots again; before the new boot, apply runs (under s.mu).
// The reply of the RPC that asked for it goes out first, as on a real node.
func (n *Node) reboot(apply func()) {
	go func() {
		time.Sleep(100 * time.Millisecond)
		n.sim.mu.Lock()
		srv := n.server
		n.up = false
		n.sim.writeStatus() //nolint:errcheck
		n.sim.mu.Unlock()
		if srv != nil {
			srv.Stop()
		}
		time.Sleep(n.sim.opts.BootDelay)
		n.sim.mu.Lock()
		defer n.sim.mu.Unlock()
		if n.sim.stopped {
			return
		}
		if apply != nil {
			apply()
		}
		n.bootOrRetry()
	}()
}

// bootOrRetry boots now, or keeps trying while the node waits for its certificate issuer (s.mu held).
func (n *Node) bootOrRetry() {
	err := n.boot()
	if errors.Is(err, errNoIssuer) {
		n.sim.logger.Printf("node %s: %v", n.rec.Address, err)
		time.AfterFunc(n.sim.opts.BootDelay, func() {
			n.sim.mu.Lock()
			defer n.sim.mu.Unlock()
			if !n.up && !n.sim.stopped {
				n.bootOrRetry()
			}
		})
		return
	}
	if err != nil {
		n.sim.logger.Printf("node %s: boot: %v", n.rec.Address, err)
	}
	n.sim.writeStatus() //nolint:errcheck
}

// tlsConfig is apid's TLS: a throw-away self-signed certificate and no client certificates in maintenance
// mode; in configured mode a certificate signed by the machine config's OS CA, and client certificates
// (the talosconfig's) required and verified against that CA.
func (n *Node) tlsConfig() (*tls.Config, error) {
	ip := net.ParseIP(n.rec.Address)
	if n.rec.Mode == ModeMaintenance || n.cfg == nil {
		certPEM, keyPEM, err := issue(nil, leafSpec{commonName: "maintenance-service", ips: []net.IP{ip}})
		if err != nil {
			return nil, err
		}
		pair, err := tlsPair(certPEM, keyPEM)
		if err != nil {
			return nil, err
		}
		return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS13, NextProtos: []string{"h2"}}, nil
	}
	ca, err := n.issuingCA()
	if err != nil {
		return nil, err
	}
	ips := []net.IP{ip}
	dns := []string{}
	for _, san := range n.cfg.Machine().Security().CertSANs() {
		if sanIP := net.ParseIP(san); sanIP != nil {
			ips = append(ips, sanIP)
		} else {
			dns = append(dns, san)
		}
	}
	if n.rec.Hostname != "" {
		dns = append(dns, n.rec.Hostname)
	}
	certPEM, keyPEM, err := issue(ca, leafSpec{commonName: n.rec.Hostname, ips: ips, dnsNames: dns})
	if err != nil {
		return nil, err
	}
	pair, err := tlsPair(append(certPEM, ca.CertPEM...), keyPEM)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, accepted := range n.cfg.Machine().Security().AcceptedCAs() {
		pool.AppendCertsFromPEM(accepted.Crt)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS13,
		NextProtos:   []string{"h2"},
	}, nil
}

// errNoIssuer: a worker's config carries only the OS CA certificate; its apid certificate comes from trustd
// on a control plane, so it waits until one of its cluster is configured.
var errNoIssuer = errors.New("waiting for a control plane of the cluster to issue the apid certificate (trustd)")

// issuingCA is the OS CA with its key: the node's own (control planes), or a control plane peer's (workers).
func (n *Node) issuingCA() (*CA, error) {
	own := n.cfg.Machine().Security().IssuingCA()
	if own == nil {
		return nil, errors.New("machine config has no machine.ca")
	}
	if len(own.Key) > 0 {
		ca, err := ParseCA(own.Crt, own.Key)
		if err != nil {
			return nil, fmt.Errorf("machine.ca: %w", err)
		}
		return ca, nil
	}
	for _, p := range n.sim.clusterPeers(n.rec.ClusterID) {
		if peerCA := p.cfg.Machine().Security().IssuingCA(); peerCA != nil && len(peerCA.Key) > 0 && string(peerCA.Crt) == string(own.Crt) {
			return ParseCA(peerCA.Crt, peerCA.Key)
		}
	}
	return nil, errNoIssuer
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck
	return hex.EncodeToString(b)
}

// count records one call of method on the node (persisted, so the adapter can read the counts).
func (n *Node) count(method string) {
	n.rec.Calls[method]++
	n.persist() //nolint:errcheck
}

// lookup finds the node a request is routed to, as apid's proxy would reach it.
func (s *Sim) lookup(ctx context.Context, addr string) (*Node, error) {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	n, ok := s.nodes[host]
	if !ok || !n.up {
		return nil, unavailable(ctx, host, s.opts.Port)
	}
	return n, nil
}
