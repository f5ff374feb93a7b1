package main

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/client"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	mtype "github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/constants"
	"github.com/siderolabs/talos/pkg/machinery/resources/cluster"
	"github.com/siderolabs/talos/pkg/machinery/resources/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	schematicA = "a31d81eceab05afdc2c59b0002701173e117a5fb81bdc1f64062d27655145848"
	schematicB = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"
)

func installer(schematic, tag string) string {
	return fmt.Sprintf("factory.talos.dev/nocloud-installer/%s:%s", schematic, tag)
}

type testCluster struct {
	sim    *Sim
	port   int
	addrs  []string
	input  *generate.Input
	bundle *secrets.Bundle
}

// startCluster serves n nodes on random 127.0.0.x addresses and a random port, so parallel runs don't clash.
func startCluster(t *testing.T, n int, opts Options) *testCluster {
	t.Helper()
	for attempt := 0; attempt < 20; attempt++ {
		port := 20000 + rand.IntN(20000)
		base := 100 + rand.IntN(140)
		addrs := []string{}
		for i := range n {
			addrs = append(addrs, fmt.Sprintf("127.0.%d.%d", base, 10+i))
		}
		opts.StateDir, opts.Addresses, opts.Port = t.TempDir(), addrs, port
		if opts.TemplateImage == "" {
			opts.TemplateImage = installer(schematicA, "v1.13.9")
		}
		if opts.ValidationMode == "" {
			opts.ValidationMode = "cloud"
		}
		opts.Platform, opts.BootDelay, opts.MemoryMiB, opts.DiskGiB = "nocloud", 50*time.Millisecond, 4096, 64
		sim, err := NewSim(opts, log.New(io.Discard, "", 0))
		if err != nil {
			t.Fatal(err)
		}
		if err := sim.Start(); err != nil {
			sim.Stop()
			if strings.Contains(err.Error(), "address already in use") {
				continue
			}
			t.Fatal(err)
		}
		t.Cleanup(sim.Stop)
		bundle, err := secrets.NewBundle(secrets.NewClock(), nil)
		if err != nil {
			t.Fatal(err)
		}
		input, err := generate.NewInput("sim", "https://"+addrs[0]+":6443", constants.DefaultKubernetesVersion,
			generate.WithSecretsBundle(bundle), generate.WithInstallDisk("/dev/sda"),
			generate.WithInstallImage(opts.TemplateImage), generate.WithEndpointList([]string{addrs[0]}))
		if err != nil {
			t.Fatal(err)
		}
		return &testCluster{sim: sim, port: port, addrs: addrs, input: input, bundle: bundle}
	}
	t.Fatal("no free port")
	return nil
}

func (c *testCluster) endpoint(i int) string { return net.JoinHostPort(c.addrs[i], fmt.Sprint(c.port)) }

// config renders a machine config of the given type with a hostname patch (as the module's patches do).
func (c *testCluster) config(t *testing.T, typ mtype.Type, hostname string, extra ...string) []byte {
	t.Helper()
	cfg, err := c.input.Config(typ)
	if err != nil {
		t.Fatal(err)
	}
	// Talos 1.13 configs carry a HostnameConfig document (auto: stable); a static name replaces it.
	patches := []string{fmt.Sprintf("apiVersion: v1alpha1\nkind: HostnameConfig\nauto: off\nhostname: %s\n", hostname)}
	patches = append(patches, extra...)
	loaded, err := configpatcher.LoadPatches(patches)
	if err != nil {
		t.Fatal(err)
	}
	out, err := configpatcher.Apply(configpatcher.WithConfig(cfg), loaded)
	if err != nil {
		t.Fatal(err)
	}
	data, err := out.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func (c *testCluster) maintenanceClient(t *testing.T, i int) *client.Client {
	t.Helper()
	cl, err := client.New(context.Background(), client.WithTLSConfig(&tls.Config{InsecureSkipVerify: true}), client.WithEndpoints(c.endpoint(i))) //nolint:gosec
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() }) //nolint:errcheck
	return cl
}

func (c *testCluster) talosconfig(t *testing.T) *clientconfig.Config {
	t.Helper()
	tc, err := c.input.Talosconfig()
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

func (c *testCluster) secureClient(t *testing.T, i int) *client.Client {
	t.Helper()
	cl, err := client.New(context.Background(), client.WithConfig(c.talosconfig(t)), client.WithEndpoints(c.endpoint(i)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() }) //nolint:errcheck
	return cl
}

// eventually retries f until it succeeds (nodes reboot after apply/upgrade).
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func apply(t *testing.T, cl *client.Client, data []byte) *machine.ApplyConfigurationResponse {
	t.Helper()
	resp, err := cl.ApplyConfiguration(context.Background(), &machine.ApplyConfigurationRequest{Data: data, Mode: machine.ApplyConfigurationRequest_AUTO})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return resp
}

func TestMaintenanceModeValidatesAndRefusesOtherAPIs(t *testing.T) {
	c := startCluster(t, 1, Options{})
	cl := c.maintenanceClient(t, 0)
	ctx := context.Background()
	if _, err := cl.Disks(ctx); err != nil {
		t.Fatalf("Disks in maintenance mode: %v", err)
	}
	if _, err := cl.ServiceList(ctx); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("ServiceList in maintenance mode: want PermissionDenied, got %v", err)
	}
	// Two hostnames (the v1alpha1 field and a HostnameConfig document) fail machinery's validation.
	bad := c.config(t, mtype.TypeControlPlane, "cp-1", "machine:\n  network:\n    hostname: other\n")
	_, err := cl.ApplyConfiguration(ctx, &machine.ApplyConfigurationRequest{Data: bad, Mode: machine.ApplyConfigurationRequest_AUTO})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "hostname") {
		t.Fatalf("want InvalidArgument about the hostname, got %v", err)
	}
	if _, err := cl.ApplyConfiguration(ctx, &machine.ApplyConfigurationRequest{Data: []byte("machine: ["), Mode: machine.ApplyConfigurationRequest_AUTO}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("garbage: want InvalidArgument, got %v", err)
	}
	if got := c.sim.nodes[c.addrs[0]].rec.Calls["ApplyConfiguration"]; got != 2 {
		t.Fatalf("ApplyConfiguration calls: want 2, got %d", got)
	}
	if mode := c.sim.nodes[c.addrs[0]].rec.Mode; mode != ModeMaintenance {
		t.Fatalf("a refused config must leave the node in maintenance mode, got %s", mode)
	}
}

func TestMetalModeRequiresAnInstallDisk(t *testing.T) {
	c := startCluster(t, 1, Options{ValidationMode: "metal"})
	input, err := generate.NewInput("sim", "https://"+c.addrs[0]+":6443", constants.DefaultKubernetesVersion, generate.WithSecretsBundle(c.bundle))
	if err != nil {
		t.Fatal(err)
	}
	c.input = input
	cfg := c.config(t, mtype.TypeControlPlane, "cp-1")
	_, err = c.maintenanceClient(t, 0).ApplyConfiguration(context.Background(), &machine.ApplyConfigurationRequest{Data: cfg})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "install disk") {
		t.Fatalf("want the install-disk validation error, got %v", err)
	}
}

func TestApplyBootstrapKubeconfigAndHealthAPIs(t *testing.T) {
	c := startCluster(t, 2, Options{})
	ctx := context.Background()
	cpCfg := c.config(t, mtype.TypeControlPlane, "cp-1", "cluster:\n  inlineManifests:\n    - name: nvidia-runtimeclass\n      contents: |\n        apiVersion: node.k8s.io/v1\n        kind: RuntimeClass\n        metadata:\n          name: nvidia\n        handler: nvidia\n")
	resp := apply(t, c.maintenanceClient(t, 0), cpCfg)
	if m := resp.Messages[0]; m.Mode != machine.ApplyConfigurationRequest_NO_REBOOT {
		t.Fatalf("maintenance apply mode: %v", m.Mode)
	}
	apply(t, c.maintenanceClient(t, 1), c.config(t, mtype.TypeWorker, "gpu-1"))

	// Configured: the maintenance (certificate-less) client is refused at the TLS handshake...
	eventually(t, "node 0 leaves maintenance", func() error {
		if _, err := c.maintenanceClient(t, 0).Disks(ctx); err == nil {
			return fmt.Errorf("still answers without a client certificate")
		}
		return nil
	})
	// ...and the talosconfig client is served with a certificate from the OS CA.
	cl := c.secureClient(t, 0)
	eventually(t, "secure Version", func() error {
		v, err := cl.Version(ctx)
		if err == nil && v.Messages[0].Version.Tag != "v1.13.9" {
			return fmt.Errorf("tag %s", v.Messages[0].Version.Tag)
		}
		return err
	})
	eventually(t, "worker configured", func() error { _, err := cl.Version(client.WithNode(ctx, c.addrs[1])); return err })
	if _, err := cl.EtcdMemberList(ctx, &machine.EtcdMemberListRequest{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("etcd before bootstrap: want Unavailable, got %v", err)
	}
	if err := cl.Bootstrap(client.WithNode(ctx, c.addrs[1]), &machine.BootstrapRequest{}); status.Code(err) != codes.Unimplemented {
		t.Fatalf("bootstrap on a worker: want Unimplemented, got %v", err)
	}
	if err := cl.Bootstrap(ctx, &machine.BootstrapRequest{}); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	err := cl.Bootstrap(ctx, &machine.BootstrapRequest{})
	if status.Code(err) != codes.AlreadyExists || !strings.Contains(err.Error(), "etcd data directory is not empty") {
		t.Fatalf("second bootstrap: %v", err)
	}

	kubeconfig, err := cl.Kubeconfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(kubeconfig), "server: https://"+c.addrs[0]+":6443") || !strings.Contains(string(kubeconfig), "client-key-data:") {
		t.Fatalf("kubeconfig:\n%s", kubeconfig)
	}

	// One-to-many: replies carry each node's address, as through apid's proxy.
	nodesCtx := client.WithNodes(ctx, c.addrs...)
	services, err := cl.ServiceList(nodesCtx)
	if err != nil {
		t.Fatal(err)
	}
	if len(services.Messages) != 2 || services.Messages[1].Metadata.Hostname != c.addrs[1] {
		t.Fatalf("service list: %v", services)
	}
	members, err := cl.EtcdMemberList(ctx, &machine.EtcdMemberListRequest{})
	if err != nil || len(members.Messages[0].Members) != 1 || members.Messages[0].Members[0].Hostname != "cp-1" {
		t.Fatalf("etcd members: %v %v", members, err)
	}

	// COSI: discovery members on the control plane, as `talosctl get members` reads them.
	list, err := safe.StateListAll[*cluster.Member](client.WithNode(ctx, c.addrs[0]), cl.COSI)
	if err != nil {
		t.Fatal(err)
	}
	if list.Len() != 2 {
		t.Fatalf("members: %d", list.Len())
	}
	ms, err := safe.StateGetByID[*runtime.MachineStatus](ctx, cl.COSI, runtime.MachineStatusID)
	if err != nil || ms.TypedSpec().Stage != runtime.MachineStageRunning {
		t.Fatalf("machine status: %v %v", ms, err)
	}

	// What the control plane was given is on disk.
	manifest, err := os.ReadFile(filepath.Join(c.sim.opts.StateDir, "nodes", c.addrs[0], "inline-manifests", "nvidia-runtimeclass.yaml"))
	if err != nil || !strings.Contains(string(manifest), "handler: nvidia") {
		t.Fatalf("inline manifest: %q %v", manifest, err)
	}
	info, err := os.Stat(filepath.Join(c.sim.opts.StateDir, "nodes", c.addrs[0], "config.yaml"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("config.yaml must be 0600: %v %v", info, err)
	}

	// A re-apply of the same config needs no reboot.
	resp = apply(t, cl, cpCfg)
	if resp.Messages[0].Mode != machine.ApplyConfigurationRequest_NO_REBOOT {
		t.Fatalf("re-apply mode %v", resp.Messages[0].Mode)
	}
}

func TestUpgradeKeepsOrRefusesTheSchematic(t *testing.T) {
	c := startCluster(t, 1, Options{})
	ctx := context.Background()
	apply(t, c.maintenanceClient(t, 0), c.config(t, mtype.TypeControlPlane, "cp-1"))
	cl := c.secureClient(t, 0)
	eventually(t, "configured", func() error { _, err := cl.Version(ctx); return err })

	_, err := cl.UpgradeWithOptions(ctx, client.WithUpgradeImage("ghcr.io/siderolabs/installer:v1.13.10"))
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), schematicA) {
		t.Fatalf("vanilla installer: want the schematic refusal, got %v", err)
	}
	if _, err := cl.UpgradeWithOptions(ctx, client.WithUpgradeImage(installer(schematicB, "v1.13.10"))); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("other schematic: want FailedPrecondition, got %v", err)
	}
	if _, err := cl.UpgradeWithOptions(ctx, client.WithUpgradeImage(installer(schematicA, "v1.13.10"))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "upgraded", func() error {
		v, err := cl.Version(ctx)
		if err != nil {
			return err
		}
		if tag := v.Messages[0].Version.Tag; tag != "v1.13.10" {
			return fmt.Errorf("tag %s", tag)
		}
		return nil
	})
	rec := c.sim.nodes[c.addrs[0]].rec
	if len(rec.Upgrades) != 1 || rec.InstalledImage != installer(schematicA, "v1.13.10") || rec.Boots != 3 {
		t.Fatalf("record: %+v", rec)
	}
	// The boot log: template (maintenance), configured on the template's image, then the upgraded image.
	if len(rec.BootLog) != 3 || rec.BootLog[0].Mode != ModeMaintenance || rec.BootLog[2].Mode != ModeConfigured ||
		rec.BootLog[1].Image == rec.BootLog[2].Image || rec.BootLog[2].Image != installer(schematicA, "v1.13.10") ||
		!mustTime(t, rec.BootLog[2].At).After(mustTime(t, rec.Upgrades[0].At)) {
		t.Fatalf("boot log: %+v (upgrades %+v)", rec.BootLog, rec.Upgrades)
	}
}

func TestAllowSchematicChange(t *testing.T) {
	c := startCluster(t, 1, Options{AllowSchematicChange: true})
	ctx := context.Background()
	apply(t, c.maintenanceClient(t, 0), c.config(t, mtype.TypeControlPlane, "cp-1"))
	cl := c.secureClient(t, 0)
	eventually(t, "configured", func() error { _, err := cl.Version(ctx); return err })
	if _, err := cl.UpgradeWithOptions(ctx, client.WithUpgradeImage(installer(schematicB, "v1.13.9"))); err != nil {
		t.Fatal(err)
	}
}

func TestStatePersistsAcrossRestarts(t *testing.T) {
	c := startCluster(t, 1, Options{})
	ctx := context.Background()
	apply(t, c.maintenanceClient(t, 0), c.config(t, mtype.TypeControlPlane, "cp-1"))
	cl := c.secureClient(t, 0)
	eventually(t, "configured", func() error { return cl.Bootstrap(ctx, &machine.BootstrapRequest{}) })
	c.sim.Stop()

	again, err := NewSim(c.sim.opts, log.New(io.Discard, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Start(); err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	cl2 := c.secureClient(t, 0)
	eventually(t, "restarted", func() error { _, err := cl2.Version(ctx); return err })
	if err := cl2.Bootstrap(ctx, &machine.BootstrapRequest{}); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("bootstrap after restart: %v", err)
	}
}

func TestReaderRoleCannotMutate(t *testing.T) {
	c := startCluster(t, 1, Options{})
	ctx := context.Background()
	apply(t, c.maintenanceClient(t, 0), c.config(t, mtype.TypeControlPlane, "cp-1"))
	eventually(t, "configured", func() error { _, err := c.secureClient(t, 0).Version(ctx); return err })
	// Issue an os:reader client certificate from the OS CA, as `talosctl config new --roles os:reader` does.
	tc := c.talosconfig(t)
	osCA := c.bundle.Certs.OS
	ca, err := ParseCA(osCA.Crt, osCA.Key)
	if err != nil {
		t.Fatal(err)
	}
	crt, key, err := issue(ca, leafSpec{commonName: "reader", organization: []string{"os:reader"}, client: true})
	if err != nil {
		t.Fatal(err)
	}
	ctxName := tc.Context
	tc.Contexts[ctxName].Crt = encodeB64(crt)
	tc.Contexts[ctxName].Key = encodeB64(key)
	cl, err := client.New(ctx, client.WithConfig(tc), client.WithEndpoints(c.endpoint(0)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close() //nolint:errcheck
	if _, err := cl.Version(ctx); err != nil {
		t.Fatalf("reader Version: %v", err)
	}
	if err := cl.Bootstrap(ctx, &machine.BootstrapRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("reader Bootstrap: want PermissionDenied, got %v", err)
	}
}

func TestParseInstallerImage(t *testing.T) {
	for ref, want := range map[string]InstallerImage{
		installer(schematicA, "v1.13.9"):                                          {Schematic: schematicA, Platform: "nocloud", Tag: "v1.13.9"},
		"factory.talos.dev/installer/" + schematicB + ":v1.12.6":                  {Schematic: schematicB, Tag: "v1.12.6"},
		"factory.talos.dev/metal-installer-secureboot/" + schematicA + ":v1.13.9": {Schematic: schematicA, Platform: "metal", Tag: "v1.13.9"},
		"ghcr.io/siderolabs/installer:v1.13.9":                                    {Tag: "v1.13.9"},
	} {
		got, err := ParseInstallerImage(ref)
		if err != nil || got.Schematic != want.Schematic || got.Tag != want.Tag || got.Platform != want.Platform {
			t.Errorf("%s: got %+v %v, want %+v", ref, got, err, want)
		}
	}
	if _, err := ParseInstallerImage("ghcr.io/siderolabs/kubelet:v1.36.0"); err == nil {
		t.Error("a non-installer image must be refused")
	}
}

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// talosctl 1.13's upgrade without --legacy: ImageService.Pull, LifecycleService.Upgrade (streamed progress and
// exit code, no reboot), then Reboot into the new image.
func TestLifecycleUpgrade(t *testing.T) {
	c := startCluster(t, 1, Options{})
	ctx := context.Background()
	apply(t, c.maintenanceClient(t, 0), c.config(t, mtype.TypeControlPlane, "cp-1"))
	cl := c.secureClient(t, 0)
	eventually(t, "configured", func() error { _, err := cl.Version(ctx); return err })
	next := installer(schematicA, "v1.13.10")

	upgrade := func(image string) ([]*machine.LifecycleServiceUpgradeResponse, error) {
		stream, err := cl.LifecycleClient.Upgrade(ctx, &machine.LifecycleServiceUpgradeRequest{
			Source: &machine.InstallArtifactsSource{ImageName: image},
		})
		if err != nil {
			return nil, err
		}
		var out []*machine.LifecycleServiceUpgradeResponse
		for {
			msg, err := stream.Recv()
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return out, err
			}
			out = append(out, msg)
		}
	}
	// Not pulled yet: the installer container cannot run.
	if _, err := upgrade(next); status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("upgrade before pull: want Internal not found, got %v", err)
	}
	pull, err := cl.ImageClient.Pull(ctx, &machine.ImageServicePullRequest{ImageRef: next})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := pull.Recv()
	if err != nil {
		t.Fatal(err)
	}
	name := msg.GetName()
	if !strings.HasPrefix(name, "factory.talos.dev/nocloud-installer/"+schematicA+"@sha256:") {
		t.Fatalf("pulled name %q", name)
	}
	// Another schematic is refused, pulled or not.
	other := installer(schematicB, "v1.13.10")
	if s, err := cl.ImageClient.Pull(ctx, &machine.ImageServicePullRequest{ImageRef: other}); err == nil {
		if _, err := s.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := upgrade(other); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("other schematic: want FailedPrecondition, got %v", err)
	}
	// The pinned name talosctl image pull printed works as well as the tag.
	replies, err := upgrade(name)
	if err != nil {
		t.Fatal(err)
	}
	last := replies[len(replies)-1].GetProgress()
	if _, ok := last.GetResponse().(*machine.LifecycleServiceInstallProgress_ExitCode); !ok || last.GetExitCode() != 0 || len(replies) < 2 {
		t.Fatalf("progress: %v", replies)
	}
	// Installed, not yet running: the reboot is the client's call.
	if v, err := cl.Version(ctx); err != nil || v.Messages[0].Version.Tag != "v1.13.9" {
		t.Fatalf("before reboot: %v %v", v, err)
	}
	if err := cl.Reboot(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "rebooted into the upgrade", func() error {
		v, err := cl.Version(ctx)
		if err != nil {
			return err
		}
		if tag := v.Messages[0].Version.Tag; tag != "v1.13.10" {
			return fmt.Errorf("tag %s", tag)
		}
		return nil
	})
	c.sim.mu.Lock()
	rec := c.sim.nodes[c.addrs[0]].rec
	c.sim.mu.Unlock()
	if len(rec.Upgrades) != 1 || rec.Upgrades[0].API != "LifecycleService.Upgrade" || rec.Upgrades[0].Image != next ||
		rec.InstalledImage != next || len(rec.Images) != 2 || rec.Images[0].Namespace != "NS_SYSTEM" {
		t.Fatalf("record: %+v", rec)
	}
}
