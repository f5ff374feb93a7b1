package main

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Methods a node in maintenance mode answers without a client certificate; everything else is "not authorized",
// as Talos' maintenance API does.
var maintenanceMethods = map[string]bool{
	"/machine.MachineService/ApplyConfiguration": true,
	"/machine.MachineService/Version":            true,
	"/storage.StorageService/Disks":              true,
	"/cosi.resource.State/Get":                   true,
	"/cosi.resource.State/List":                  true,
	"/cosi.resource.State/Watch":                 true,
}

// Methods the os:reader role may call; the rest need os:admin (Talos' role split, reduced to what is served).
var readerMethods = map[string]bool{
	"/machine.MachineService/Version":        true,
	"/machine.MachineService/ServiceList":    true,
	"/machine.MachineService/EtcdMemberList": true,
	"/machine.MachineService/Memory":         true,
	"/machine.MachineService/Hostname":       true,
	"/storage.StorageService/Disks":          true,
	"/cosi.resource.State/Get":               true,
	"/cosi.resource.State/List":              true,
	"/cosi.resource.State/Watch":             true,
}

var errNotAuthorized = status.Error(codes.PermissionDenied, "not authorized")

// authorize applies apid's rules at the endpoint the client connected to.
func (n *Node) authorize(ctx context.Context, method string) error {
	n.sim.mu.Lock()
	mode := n.rec.Mode
	n.sim.mu.Unlock()
	if mode == ModeMaintenance {
		if maintenanceMethods[method] {
			return nil
		}
		return errNotAuthorized
	}
	roles := peerRoles(ctx)
	if roles["os:admin"] {
		return nil
	}
	if readerMethods[method] && (roles["os:reader"] || roles["os:operator"]) {
		return nil
	}
	if method == "/machine.MachineService/Reboot" && roles["os:operator"] {
		return nil
	}
	return errNotAuthorized
}

// peerRoles are the Organization values of the verified client certificate (Talos encodes roles there).
func peerRoles(ctx context.Context) map[string]bool {
	roles := map[string]bool{}
	p, ok := peer.FromContext(ctx)
	if !ok {
		return roles
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 {
		return roles
	}
	for _, org := range info.State.VerifiedChains[0][0].Subject.Organization {
		roles[org] = true
	}
	return roles
}

func (n *Node) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := n.authorize(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (n *Node) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := n.authorize(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return handler(srv, ss)
}

// targets reads apid's routing metadata: "nodes" (one-to-many, replies carry each node's hostname), "node"
// (one-to-one), or neither (the endpoint itself).
func (n *Node) targets(ctx context.Context) (addrs []string, multi bool) {
	md, _ := metadata.FromIncomingContext(ctx)
	if nodes := splitNodes(md.Get("nodes")); len(nodes) > 0 {
		return nodes, true
	}
	if node := splitNodes(md.Get("node")); len(node) > 0 {
		return node[:1], false
	}
	return []string{n.rec.Address}, false
}

func splitNodes(values []string) []string {
	out := []string{}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// unavailable is what apid's proxy reports for a node it cannot dial.
func unavailable(_ context.Context, host string, port int) error {
	return status.Errorf(codes.Unavailable,
		`connection error: desc = "transport: Error while dialing: dial tcp %s:%d: connect: connection refused"`, host, port)
}

// fanOut runs call on every target node (under the simulator lock) and merges the replies the way apid's
// one-to-many proxy does: each reply message gets metadata.hostname, a failing node becomes a message with
// metadata.error.
func fanOut[R proto.Message](ctx context.Context, n *Node, method string, call func(t *Node) (R, error)) (R, error) {
	addrs, multi := n.targets(ctx)
	s := n.sim
	if !multi {
		s.mu.Lock()
		defer s.mu.Unlock()
		t, err := s.lookup(ctx, addrs[0])
		if err != nil {
			var zero R
			return zero, err
		}
		t.count(method)
		return call(t)
	}
	var zero R
	out := reflect.New(reflect.TypeOf(zero).Elem()).Interface().(R) //nolint:forcetypeassert
	for _, addr := range addrs {
		r, err := func() (R, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			t, err := s.lookup(ctx, addr)
			if err != nil {
				return zero, err
			}
			t.count(method)
			return call(t)
		}()
		if err != nil {
			appendError(out, addr, err)
			continue
		}
		mergeMessages(out, r, addr)
	}
	return out, nil
}

func messagesField(m protoreflect.Message) protoreflect.FieldDescriptor {
	fd := m.Descriptor().Fields().ByName("messages")
	if fd == nil {
		panic(fmt.Sprintf("%s has no messages field", m.Descriptor().FullName()))
	}
	return fd
}

func mergeMessages(dst, src proto.Message, host string) {
	dm, sm := dst.ProtoReflect(), src.ProtoReflect()
	fd := messagesField(dm)
	list := dm.Mutable(fd).List()
	from := sm.Get(fd).List()
	for i := range from.Len() {
		msg := from.Get(i).Message()
		setMetadata(msg, host, "")
		list.Append(protoreflect.ValueOfMessage(msg))
	}
}

func appendError(dst proto.Message, host string, err error) {
	dm := dst.ProtoReflect()
	list := dm.Mutable(messagesField(dm)).List()
	msg := list.NewElement().Message()
	setMetadata(msg, host, status.Convert(err).Message())
	list.Append(protoreflect.ValueOfMessage(msg))
}

func setMetadata(msg protoreflect.Message, host, errText string) {
	mfd := msg.Descriptor().Fields().ByName("metadata")
	if mfd == nil {
		return
	}
	md := msg.Mutable(mfd).Message()
	md.Set(md.Descriptor().Fields().ByName("hostname"), protoreflect.ValueOfString(host))
	if errText != "" {
		md.Set(md.Descriptor().Fields().ByName("error"), protoreflect.ValueOfString(errText))
	}
}

// streamTarget picks the one node a streaming call goes to (apid proxies streams one-to-one).
func (n *Node) streamTarget(ctx context.Context, method string) (*Node, error) {
	addrs, multi := n.targets(ctx)
	if multi && len(addrs) > 1 {
		return nil, status.Errorf(codes.InvalidArgument, "%s: one-to-many proxying is not supported for streaming calls", method)
	}
	n.sim.mu.Lock()
	defer n.sim.mu.Unlock()
	t, err := n.sim.lookup(ctx, addrs[0])
	if err != nil {
		return nil, err
	}
	t.count(method)
	return t, nil
}
