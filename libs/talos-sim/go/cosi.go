package main

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/cosi-project/runtime/api/v1alpha1"
	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/resource/meta"
	"github.com/cosi-project/runtime/pkg/state"
	"github.com/cosi-project/runtime/pkg/state/impl/inmem"
	"github.com/cosi-project/runtime/pkg/state/impl/namespaced"
	"github.com/cosi-project/runtime/pkg/state/protobuf/server"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/extensions"
	"github.com/siderolabs/talos/pkg/machinery/resources/block"
	"github.com/siderolabs/talos/pkg/machinery/resources/cluster"
	"github.com/siderolabs/talos/pkg/machinery/resources/network"
	"github.com/siderolabs/talos/pkg/machinery/resources/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// cosiState is a node's resource state (what `talosctl get` reads), kept in memory and rebuilt at each boot
// from the node's record, as machined's controllers rebuild it.
type cosiState struct {
	n      *Node
	st     state.State
	server *server.State
}

const simOwner = "talos-sim"

// definitions are the resource types served; each needs its ResourceDefinition so `talosctl get <alias>` resolves.
var definitions = []meta.ResourceDefinitionProvider{
	cluster.NewMember(cluster.NamespaceName, ""),
	cluster.NewIdentity(cluster.NamespaceName, ""),
	runtime.NewMachineStatus(),
	runtime.NewExtensionStatus(runtime.NamespaceName, ""),
	runtime.NewDiagnostic(runtime.NamespaceName, ""),
	block.NewVolumeStatus(block.NamespaceName, ""),
	network.NewHostnameStatus(network.NamespaceName, ""),
}

func newCosiState(n *Node) *cosiState {
	st := state.WrapCore(namespaced.NewState(inmem.Build))
	c := &cosiState{n: n, st: st, server: server.NewState(st)}
	ctx := context.Background()
	for _, d := range definitions {
		rd, err := meta.NewResourceDefinition(d.ResourceDefinition())
		if err != nil {
			panic(err)
		}
		if err := st.Create(ctx, rd, state.WithCreateOwner(simOwner)); err != nil {
			panic(err)
		}
	}
	c.refresh()
	return c
}

// upsert creates or replaces a resource, keeping the version chain COSI watchers expect.
func (c *cosiState) upsert(r resource.Resource) {
	ctx := context.Background()
	cur, err := c.st.Get(ctx, r.Metadata())
	if err != nil {
		if state.IsNotFoundError(err) {
			if err := c.st.Create(ctx, r, state.WithCreateOwner(simOwner)); err != nil {
				c.n.sim.logger.Printf("cosi create %s: %v", r.Metadata(), err)
			}
		}
		return
	}
	r.Metadata().SetVersion(cur.Metadata().Version())
	if err := c.st.Update(ctx, r, state.WithUpdateOwner(simOwner)); err != nil {
		c.n.sim.logger.Printf("cosi update %s: %v", r.Metadata(), err)
	}
}

// refresh derives the node's resources from its record and its cluster (s.mu held).
func (c *cosiState) refresh() {
	n := c.n
	ms := runtime.NewMachineStatus()
	if n.configured() {
		ms.TypedSpec().Stage = runtime.MachineStageRunning
		ms.TypedSpec().Status.Ready = true
	} else {
		ms.TypedSpec().Stage = runtime.MachineStageMaintenance
	}
	c.upsert(ms)

	image, err := ParseInstallerImage(n.rec.InstalledImage)
	if err == nil && image.Schematic != "" {
		ext := runtime.NewExtensionStatus(runtime.NamespaceName, "0")
		*ext.TypedSpec() = runtime.ExtensionStatusSpec{Metadata: extensions.Metadata{
			Name: "schematic", Version: image.Schematic, Description: "",
		}}
		c.upsert(ext)
	}

	hs := network.NewHostnameStatus(network.NamespaceName, network.HostnameID)
	hs.TypedSpec().Hostname = n.hostname()
	c.upsert(hs)

	ephemeral := block.NewVolumeStatus(block.NamespaceName, "EPHEMERAL")
	size := n.sim.opts.DiskGiB<<30 - 2<<30
	ephemeral.TypedSpec().Phase = block.VolumePhaseReady
	ephemeral.TypedSpec().Type = block.VolumeTypePartition
	ephemeral.TypedSpec().Location = "/dev/sda6"
	ephemeral.TypedSpec().Size = size
	ephemeral.TypedSpec().PrettySize = fmt.Sprintf("%d GiB", size>>30)
	ephemeral.TypedSpec().Filesystem = block.FilesystemTypeXFS
	c.upsert(ephemeral)

	if !n.configured() {
		return
	}
	identity := cluster.NewIdentity(cluster.NamespaceName, cluster.LocalIdentity)
	identity.TypedSpec().NodeID = nodeID(n.rec.Address)
	c.upsert(identity)
	// Discovery: every configured node of the same cluster is a member, on every node.
	for _, p := range n.sim.clusterPeers(n.rec.ClusterID) {
		m := cluster.NewMember(cluster.NamespaceName, p.hostname())
		tag := ""
		if img, err := ParseInstallerImage(p.rec.InstalledImage); err == nil {
			tag = img.Tag
		}
		addr, _ := netip.ParseAddr(p.rec.Address)
		*m.TypedSpec() = cluster.MemberSpec{
			NodeID:          nodeID(p.rec.Address),
			Addresses:       []netip.Addr{addr},
			Hostname:        p.hostname(),
			MachineType:     machineType(p.rec.MachineType),
			OperatingSystem: fmt.Sprintf("Talos (%s)", tag),
		}
		c.upsert(m)
	}
}

func machineType(s string) machine.Type {
	t, err := machine.ParseType(s)
	if err != nil {
		return machine.TypeUnknown
	}
	return t
}

func nodeID(addr string) string { return fmt.Sprintf("%016x", memberID(addr)) }

// cosiRouter is COSI's State service on apid: reads go to the routed node's state; writes are refused, as
// Talos refuses resource writes over the API.
type cosiRouter struct {
	v1alpha1.UnimplementedStateServer
	n *Node
}

func registerCosi(srv *grpc.Server, n *Node) {
	v1alpha1.RegisterStateServer(srv, &cosiRouter{n: n})
}

func (r *cosiRouter) target(ctx context.Context, method string) (*cosiState, error) {
	t, err := r.n.streamTarget(ctx, method)
	if err != nil {
		return nil, err
	}
	r.n.sim.mu.Lock()
	defer r.n.sim.mu.Unlock()
	return t.cosi, nil
}

func (r *cosiRouter) Get(ctx context.Context, req *v1alpha1.GetRequest) (*v1alpha1.GetResponse, error) {
	c, err := r.target(ctx, "COSI.Get")
	if err != nil {
		return nil, err
	}
	return c.server.Get(ctx, req)
}

func (r *cosiRouter) List(req *v1alpha1.ListRequest, srv v1alpha1.State_ListServer) error {
	c, err := r.target(srv.Context(), "COSI.List")
	if err != nil {
		return err
	}
	return c.server.List(req, srv)
}

func (r *cosiRouter) Watch(req *v1alpha1.WatchRequest, srv v1alpha1.State_WatchServer) error {
	c, err := r.target(srv.Context(), "COSI.Watch")
	if err != nil {
		return err
	}
	return c.server.Watch(req, srv)
}

func (r *cosiRouter) Create(context.Context, *v1alpha1.CreateRequest) (*v1alpha1.CreateResponse, error) {
	return nil, status.Error(codes.PermissionDenied, "not authorized")
}

func (r *cosiRouter) Update(context.Context, *v1alpha1.UpdateRequest) (*v1alpha1.UpdateResponse, error) {
	return nil, status.Error(codes.PermissionDenied, "not authorized")
}

func (r *cosiRouter) Destroy(context.Context, *v1alpha1.DestroyRequest) (*v1alpha1.DestroyResponse, error) {
	return nil, status.Error(codes.PermissionDenied, "not authorized")
}
