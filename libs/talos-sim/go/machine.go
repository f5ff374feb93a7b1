package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"

	"github.com/siderolabs/talos/pkg/machinery/api/common"
	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/api/storage"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// machineService is MachineService on one node's apid; each call is routed like apid routes it.
type machineService struct {
	machine.UnimplementedMachineServiceServer
	n *Node
}

type storageService struct {
	storage.UnimplementedStorageServiceServer
	n *Node
}

func registerServices(srv *grpc.Server, n *Node) {
	machine.RegisterMachineServiceServer(srv, &machineService{n: n})
	machine.RegisterImageServiceServer(srv, &imageService{n: n})
	machine.RegisterLifecycleServiceServer(srv, &lifecycleService{n: n})
	storage.RegisterStorageServiceServer(srv, &storageService{n: n})
	registerCosi(srv, n)
}

func (n *Node) rebooting() bool  { return n.rebootPending }
func (n *Node) markRebooting()   { n.rebootPending = true }
func (n *Node) configured() bool { return n.rec.Mode == ModeConfigured && n.cfg != nil }

func (m *machineService) ApplyConfiguration(ctx context.Context, req *machine.ApplyConfigurationRequest) (*machine.ApplyConfigurationResponse, error) {
	return fanOut(ctx, m.n, "ApplyConfiguration", func(t *Node) (*machine.ApplyConfigurationResponse, error) {
		return t.applyConfiguration(ctx, req)
	})
}

func (m *machineService) Version(ctx context.Context, _ *emptypb.Empty) (*machine.VersionResponse, error) {
	return fanOut(ctx, m.n, "Version", func(t *Node) (*machine.VersionResponse, error) {
		image, err := ParseInstallerImage(t.rec.InstalledImage)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		platform := t.sim.opts.Platform
		return &machine.VersionResponse{Messages: []*machine.Version{{
			Version: &machine.VersionInfo{
				Tag: image.Tag, Sha: "talos-sim", Built: "", GoVersion: runtime.Version(), Os: "linux", Arch: "amd64",
			},
			Platform: &machine.PlatformInfo{Name: platform, Mode: t.sim.opts.ValidationMode},
			Features: &machine.FeaturesInfo{Rbac: true},
		}}}, nil
	})
}

func (m *machineService) Hostname(ctx context.Context, _ *emptypb.Empty) (*machine.HostnameResponse, error) {
	return fanOut(ctx, m.n, "Hostname", func(t *Node) (*machine.HostnameResponse, error) {
		return &machine.HostnameResponse{Messages: []*machine.Hostname{{Hostname: t.hostname()}}}, nil
	})
}

func (n *Node) hostname() string {
	if n.rec.Hostname != "" {
		return n.rec.Hostname
	}
	return "talos-" + n.rec.Address
}

// controlPlaneOnly is the check machined makes before etcd/kubeconfig APIs.
func (n *Node) controlPlaneOnly(api string) error {
	if !n.configured() {
		return status.Errorf(codes.Unimplemented, "machine type is not set, cannot use %s API", api)
	}
	if n.rec.MachineType != "controlplane" && n.rec.MachineType != "init" {
		return status.Errorf(codes.Unimplemented, "%s is only available on control plane nodes", api)
	}
	return nil
}

// Bootstrap starts etcd on the first control plane; once per cluster. A second call anywhere in the cluster
// finds etcd's data directory populated and gets machined's AlreadyExists error.
func (m *machineService) Bootstrap(ctx context.Context, _ *machine.BootstrapRequest) (*machine.BootstrapResponse, error) {
	return fanOut(ctx, m.n, "Bootstrap", func(t *Node) (*machine.BootstrapResponse, error) {
		if t.rebooting() {
			return nil, status.Error(codes.FailedPrecondition, "bootstrap is not available yet")
		}
		if err := t.controlPlaneOnly("bootstrap"); err != nil {
			return nil, err
		}
		if _, done := t.sim.clusters[t.rec.ClusterID]; done || t.rec.Bootstrapped {
			return nil, status.Error(codes.AlreadyExists, "etcd data directory is not empty")
		}
		rec := &ClusterRecord{ID: t.rec.ClusterID, BootstrapNode: t.rec.Address, At: now()}
		if err := writeJSON(t.sim.opts.dir("clusters", safeName(t.rec.ClusterID)+".json"), rec); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		t.sim.clusters[rec.ID] = rec
		t.rec.Bootstrapped = true
		t.sim.refreshCluster(t.rec.ClusterID)
		return &machine.BootstrapResponse{Messages: []*machine.Bootstrap{{}}}, t.persist()
	})
}

// bootstrapped says whether etcd of the node's cluster was bootstrapped (s.mu held).
func (n *Node) bootstrapped() bool {
	_, ok := n.sim.clusters[n.rec.ClusterID]
	return ok && n.configured()
}

// clusterPeers are the configured nodes of the same cluster, by address.
func (s *Sim) clusterPeers(clusterID string) []*Node {
	peers := []*Node{}
	for _, addr := range s.sortedAddresses() {
		if p := s.nodes[addr]; p.configured() && p.rec.ClusterID == clusterID {
			peers = append(peers, p)
		}
	}
	return peers
}

// refreshCluster updates the COSI view of every node of the cluster (members, machine status).
func (s *Sim) refreshCluster(clusterID string) {
	for _, p := range s.clusterPeers(clusterID) {
		if p.up && p.cosi != nil {
			p.cosi.refresh()
		}
	}
}

func (m *machineService) Kubeconfig(_ *emptypb.Empty, stream grpc.ServerStreamingServer[common.Data]) error {
	t, err := m.n.streamTarget(stream.Context(), "Kubeconfig")
	if err != nil {
		return err
	}
	t.sim.mu.Lock()
	if err := t.controlPlaneOnly("kubeconfig"); err != nil {
		t.sim.mu.Unlock()
		return err
	}
	archive, err := adminKubeconfigArchive(t.cfg)
	t.sim.mu.Unlock()
	if err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	return stream.Send(&common.Data{Bytes: archive})
}

func (m *machineService) Reboot(ctx context.Context, _ *machine.RebootRequest) (*machine.RebootResponse, error) {
	return fanOut(ctx, m.n, "Reboot", func(t *Node) (*machine.RebootResponse, error) {
		if t.rebooting() {
			return nil, status.Error(codes.FailedPrecondition, "reboot is already in progress")
		}
		t.rec.Reboots = append(t.rec.Reboots, now())
		t.markRebooting()
		t.reboot(t.applyStaged)
		return &machine.RebootResponse{Messages: []*machine.Reboot{{ActorId: randomID()}}}, t.persist()
	})
}

// applyStaged makes a staged config and a staged upgrade take effect, as the next boot does.
func (n *Node) applyStaged() {
	dir := n.sim.opts.dir("nodes", n.rec.Address)
	if raw, err := os.ReadFile(dir + "/staged.yaml"); err == nil {
		if cfg, err := configloader.NewFromBytes(raw); err == nil {
			if _, err := n.store(cfg, raw); err == nil {
				os.Remove(dir + "/staged.yaml") //nolint:errcheck
			}
		}
	}
	if n.rec.StagedImage != "" {
		n.rec.InstalledImage, n.rec.StagedImage = n.rec.StagedImage, ""
	}
}

// Upgrade (MachineService, talosctl's --legacy path) installs another installer image and reboots into it.
func (m *machineService) Upgrade(ctx context.Context, req *machine.UpgradeRequest) (*machine.UpgradeResponse, error) {
	return fanOut(ctx, m.n, "Upgrade", func(t *Node) (*machine.UpgradeResponse, error) {
		next, err := t.upgradeTarget(func() (string, error) { return req.GetImage(), nil })
		if err != nil {
			return nil, err
		}
		t.rec.Upgrades = append(t.rec.Upgrades, UpgradeEntry{At: now(), From: t.rec.InstalledImage, Image: next.Ref, Stage: req.GetStage(), API: "MachineService.Upgrade"})
		t.rec.StagedImage = next.Ref
		if !req.GetStage() {
			t.markRebooting()
			t.reboot(t.applyStaged)
		}
		return &machine.UpgradeResponse{Messages: []*machine.Upgrade{{Ack: "Upgrade request received", ActorId: randomID()}}}, t.persist()
	})
}

// upgradeTarget checks that the node can take an upgrade to the image resolve names (s.mu held). Replacing the
// schematic (and so the system extensions) is refused unless the simulator was started with
// --allow-schematic-change: a bare upgrade to ghcr.io/siderolabs/installer would drop the NVIDIA extensions,
// the mistake this guards against.
func (n *Node) upgradeTarget(resolve func() (string, error)) (InstallerImage, error) {
	if n.rebooting() {
		return InstallerImage{}, status.Error(codes.FailedPrecondition, "upgrade is not available: the node is rebooting")
	}
	if !n.configured() {
		return InstallerImage{}, errNotAuthorized
	}
	ref, err := resolve()
	if err != nil {
		return InstallerImage{}, err
	}
	next, err := ParseInstallerImage(ref)
	if err != nil {
		return InstallerImage{}, status.Error(codes.InvalidArgument, err.Error())
	}
	current, err := ParseInstallerImage(n.rec.InstalledImage)
	if err != nil {
		return InstallerImage{}, status.Error(codes.Internal, err.Error())
	}
	if next.Schematic != current.Schematic && !n.sim.opts.AllowSchematicChange {
		return InstallerImage{}, status.Errorf(codes.FailedPrecondition,
			"talos-sim: upgrade image %q has schematic %q, but the node runs schematic %q: the system extensions would change (start the simulator with --allow-schematic-change to allow it)",
			next.Ref, orVanilla(next.Schematic), orVanilla(current.Schematic))
	}
	return next, nil
}

func orVanilla(schematic string) string {
	if schematic == "" {
		return "none (not an Image Factory installer)"
	}
	return schematic
}

// services is what `talosctl services` shows on a running node of the given type.
func (n *Node) services() []*machine.ServiceInfo {
	ts := timestamppb.Now()
	running := func(id string) *machine.ServiceInfo {
		return &machine.ServiceInfo{
			Id: id, State: "Running",
			Events: &machine.ServiceEvents{Events: []*machine.ServiceEvent{
				{Msg: "Starting service", State: "Starting", Ts: ts},
				{Msg: "Health check successful", State: "Running", Ts: ts},
			}},
			Health: &machine.ServiceHealth{Healthy: true, LastChange: ts},
		}
	}
	ids := []string{"apid", "containerd", "cri", "dashboard", "ext-qemu-guest-agent", "kubelet", "machined", "syslogd", "udevd"}
	list := []*machine.ServiceInfo{}
	for _, id := range ids {
		list = append(list, running(id))
	}
	if n.rec.MachineType == "controlplane" || n.rec.MachineType == "init" {
		list = append(list, running("trustd"))
		if n.bootstrapped() {
			list = append(list, running("etcd"))
		} else {
			list = append(list, &machine.ServiceInfo{
				Id: "etcd", State: "Preparing",
				Events: &machine.ServiceEvents{Events: []*machine.ServiceEvent{
					{Msg: "Running pre state", State: "Preparing", Ts: ts},
				}},
				Health: &machine.ServiceHealth{Unknown: true},
			})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Id < list[j].Id })
	return list
}

func (m *machineService) ServiceList(ctx context.Context, _ *emptypb.Empty) (*machine.ServiceListResponse, error) {
	return fanOut(ctx, m.n, "ServiceList", func(t *Node) (*machine.ServiceListResponse, error) {
		if !t.configured() {
			return nil, errNotAuthorized
		}
		return &machine.ServiceListResponse{Messages: []*machine.ServiceList{{Services: t.services()}}}, nil
	})
}

func (m *machineService) EtcdMemberList(ctx context.Context, _ *machine.EtcdMemberListRequest) (*machine.EtcdMemberListResponse, error) {
	return fanOut(ctx, m.n, "EtcdMemberList", func(t *Node) (*machine.EtcdMemberListResponse, error) {
		if err := t.controlPlaneOnly("etcd"); err != nil {
			return nil, err
		}
		if !t.bootstrapped() {
			return nil, status.Error(codes.Unavailable, "etcd is not running: the cluster was not bootstrapped")
		}
		return &machine.EtcdMemberListResponse{Messages: []*machine.EtcdMembers{{Members: t.sim.etcdMembers(t.rec.ClusterID)}}}, nil
	})
}

// etcdMembers: every configured control plane of a bootstrapped cluster runs an etcd member.
func (s *Sim) etcdMembers(clusterID string) []*machine.EtcdMember {
	members := []*machine.EtcdMember{}
	for _, p := range s.clusterPeers(clusterID) {
		if p.rec.MachineType != "controlplane" && p.rec.MachineType != "init" {
			continue
		}
		members = append(members, &machine.EtcdMember{
			Id:         memberID(p.rec.Address),
			Hostname:   p.hostname(),
			PeerUrls:   []string{fmt.Sprintf("https://%s:2380", p.rec.Address)},
			ClientUrls: []string{fmt.Sprintf("https://%s:2379", p.rec.Address)},
		})
	}
	return members
}

func memberID(addr string) uint64 {
	var id uint64 = 1469598103934665603
	for _, c := range []byte(addr) {
		id = (id ^ uint64(c)) * 1099511628211
	}
	return id
}

func (m *machineService) Memory(ctx context.Context, _ *emptypb.Empty) (*machine.MemoryResponse, error) {
	return fanOut(ctx, m.n, "Memory", func(t *Node) (*machine.MemoryResponse, error) {
		total := t.sim.opts.MemoryMiB * 1024
		return &machine.MemoryResponse{Messages: []*machine.Memory{{Meminfo: &machine.MemInfo{
			Memtotal: total, Memfree: total / 2, Memavailable: total * 3 / 4,
		}}}}, nil
	})
}

func (s *storageService) Disks(ctx context.Context, _ *emptypb.Empty) (*storage.DisksResponse, error) {
	return fanOut(ctx, s.n, "Disks", func(t *Node) (*storage.DisksResponse, error) {
		return &storage.DisksResponse{Messages: []*storage.Disks{{Disks: []*storage.Disk{{
			DeviceName: "/dev/sda", Size: t.sim.opts.DiskGiB << 30, Model: "QEMU HARDDISK", Type: storage.Disk_HDD,
			BusPath: "/pci0000:00/0000:00:05.0/0000:01:01.0/virtio1/host2/target2:0:0/2:0:0:0", SystemDisk: t.configured(),
		}}}}}, nil
	})
}
