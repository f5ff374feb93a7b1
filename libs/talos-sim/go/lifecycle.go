package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/api/common"
	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// imageService is ImageService.Pull, the first half of talosctl 1.13's upgrade (without --legacy): the
// installer image is pulled into the node's containerd, then LifecycleService.Upgrade runs it.
type imageService struct {
	machine.UnimplementedImageServiceServer
	n *Node
}

// lifecycleService is LifecycleService.Upgrade: it installs a pulled installer image to the boot slot and
// streams progress; the reboot into it is the client's separate Reboot call, as on Talos 1.13.
type lifecycleService struct {
	machine.UnimplementedLifecycleServiceServer
	n *Node
}

func namespaceOf(c *common.ContainerdInstance) string {
	if c == nil || c.GetNamespace() == common.ContainerdNamespace_NS_UNKNOWN {
		return common.ContainerdNamespace_NS_SYSTEM.String()
	}
	return c.GetNamespace().String()
}

// pinnedName is what Talos' Pull answers: the repository without its tag, pinned to the image digest.
func pinnedName(ref string) string {
	repo := ref
	if slash, colon := strings.LastIndex(ref, "/"), strings.LastIndex(ref, ":"); colon > slash {
		repo = ref[:colon]
	}
	sum := sha256.Sum256([]byte(ref))
	return repo + "@sha256:" + hex.EncodeToString(sum[:])
}

// Pull "pulls" an installer image: the simulator knows installer references only (factory or plain), so any
// other reference is NotFound, as a missing image is on Talos. The pinned name is what the node stores.
func (s *imageService) Pull(req *machine.ImageServicePullRequest, stream grpc.ServerStreamingServer[machine.ImageServicePullResponse]) error {
	t, err := s.n.streamTarget(stream.Context(), "ImageService.Pull")
	if err != nil {
		return err
	}
	ref := req.GetImageRef()
	if _, err := ParseInstallerImage(ref); err != nil {
		return status.Errorf(codes.NotFound, "error pulling image: %s: not found (talos-sim serves installer images only)", ref)
	}
	t.sim.mu.Lock()
	if !t.configured() {
		t.sim.mu.Unlock()
		return errNotAuthorized
	}
	pulled := PulledImage{At: now(), Namespace: namespaceOf(req.GetContainerd()), Ref: ref, Name: pinnedName(ref)}
	t.rec.Images = append(t.rec.Images, pulled)
	err = t.persist()
	t.sim.mu.Unlock()
	if err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	return stream.Send(&machine.ImageServicePullResponse{
		Response: &machine.ImageServicePullResponse_Name{Name: pulled.Name},
	})
}

// pulledImage finds a reference (tagged, or the pinned name Pull answered) among the node's pulled images.
func (n *Node) pulledImage(namespace, ref string) (PulledImage, bool) {
	for i := len(n.rec.Images) - 1; i >= 0; i-- {
		if p := n.rec.Images[i]; p.Namespace == namespace && (p.Ref == ref || p.Name == ref) {
			return p, true
		}
	}
	return PulledImage{}, false
}

// Upgrade installs the pulled installer to the node's boot slot; the next boot runs it. Like machined it needs
// an installed, configured node and one upgrade at a time; like the legacy Upgrade it refuses another schematic.
func (s *lifecycleService) Upgrade(req *machine.LifecycleServiceUpgradeRequest, stream grpc.ServerStreamingServer[machine.LifecycleServiceUpgradeResponse]) error {
	t, err := s.n.streamTarget(stream.Context(), "LifecycleService.Upgrade")
	if err != nil {
		return err
	}
	ref := req.GetSource().GetImageName()
	if ref == "" {
		return status.Error(codes.InvalidArgument, "installer image name is required")
	}
	t.sim.mu.Lock()
	next, err := t.upgradeTarget(func() (string, error) {
		pulled, ok := t.pulledImage(namespaceOf(req.GetContainerd()), ref)
		if !ok {
			return "", status.Errorf(codes.Internal, "upgrade failed: failed to get image %q: image not found in containerd namespace %s (pull it first: talosctl image pull)", ref, namespaceOf(req.GetContainerd()))
		}
		return pulled.Ref, nil
	})
	if err == nil {
		t.rec.Upgrades = append(t.rec.Upgrades, UpgradeEntry{At: now(), From: t.rec.InstalledImage, Image: next.Ref, API: "LifecycleService.Upgrade"})
		t.rec.StagedImage = next.Ref
		err = t.persist()
	}
	t.sim.mu.Unlock()
	if err != nil {
		return err
	}
	progress := func(p *machine.LifecycleServiceInstallProgress) error {
		return stream.Send(&machine.LifecycleServiceUpgradeResponse{Progress: p})
	}
	for _, msg := range []string{
		"pulled installer image " + next.Ref,
		"installing Talos " + next.Tag + " (schematic " + orVanilla(next.Schematic) + ") to the inactive boot slot",
		"upgrade staged: the next boot runs " + next.Tag,
	} {
		if err := progress(&machine.LifecycleServiceInstallProgress{Response: &machine.LifecycleServiceInstallProgress_Message{Message: msg}}); err != nil {
			return err
		}
	}
	return progress(&machine.LifecycleServiceInstallProgress{Response: &machine.LifecycleServiceInstallProgress_ExitCode{ExitCode: 0}})
}
