package main

import (
	"context"
	"fmt"
	"os"
	"reflect"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// validationMode is the platform mode configs are validated in (machinery's validation.RuntimeMode).
type validationMode struct {
	name      string
	installed bool
}

func (m validationMode) String() string { return m.name }

// RequiresInstall: bare metal boots from an ISO and installs; a cloud/nocloud disk image is already installed.
func (m validationMode) RequiresInstall() bool { return m.name == "metal" && !m.installed }

func (m validationMode) InContainer() bool { return false }

// applyConfiguration is ApplyConfiguration on node n (s.mu held): the config is loaded and validated with
// machinery exactly as machined does, then applied according to the requested mode.
func (n *Node) applyConfiguration(ctx context.Context, req *machine.ApplyConfigurationRequest) (*machine.ApplyConfigurationResponse, error) {
	if n.rebooting() {
		return nil, status.Error(codes.FailedPrecondition, "configuration was already applied and node is rebooting, cannot apply more configuration changes until next reboot")
	}
	inMaintenance := n.rec.Mode == ModeMaintenance
	cfg, err := configloader.NewFromBytes(req.GetData())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if !inMaintenance && cfg.RawV1Alpha1() == nil {
		return nil, status.Error(codes.InvalidArgument, "the applied machine configuration doesn't contain v1alpha1 config, did you mean to patch the machine config instead?")
	}
	mode := validationMode{name: n.sim.opts.ValidationMode, installed: !inMaintenance}
	warnings, err := cfg.Validate(mode)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	runtimeWarnings, err := cfg.RuntimeValidate(ctx, n.cosi.st, mode)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	warnings = append(warnings, runtimeWarnings...)

	requested := req.GetMode()
	resolved, details := requested, "Applied configuration with a reboot"
	switch requested {
	case machine.ApplyConfigurationRequest_REBOOT:
		if inMaintenance {
			resolved, details = machine.ApplyConfigurationRequest_NO_REBOOT, "Applied configuration without a reboot"
		}
	case machine.ApplyConfigurationRequest_NO_REBOOT, machine.ApplyConfigurationRequest_TRY:
		if !inMaintenance {
			if err := canApplyImmediate(n.cfg, cfg); err != nil {
				return nil, status.Error(codes.InvalidArgument, err.Error())
			}
		}
		details = "Applied configuration without a reboot"
	case machine.ApplyConfigurationRequest_STAGED:
		details = "Staged configuration to be applied after the next reboot"
	case machine.ApplyConfigurationRequest_AUTO:
		resolved, details = machine.ApplyConfigurationRequest_NO_REBOOT, "Applied configuration without a reboot"
		if !inMaintenance {
			if err := canApplyImmediate(n.cfg, cfg); err != nil {
				resolved, details = machine.ApplyConfigurationRequest_REBOOT, "Applied configuration with a reboot: "+err.Error()
			}
		}
	}
	reply := &machine.ApplyConfigurationResponse{Messages: []*machine.ApplyConfiguration{{
		Mode: resolved, ModeDetails: details, Warnings: warnings,
	}}}

	record := ApplyRecord{At: now(), Mode: resolved.String(), InMaintenance: inMaintenance, DryRun: req.GetDryRun()}
	if install := cfg.Machine().Install(); install != nil {
		record.InstallImage = install.Image()
	}
	if req.GetDryRun() {
		n.rec.Applies = append(n.rec.Applies, record)
		return reply, n.persist()
	}
	if resolved == machine.ApplyConfigurationRequest_STAGED {
		if err := writeFileAtomic(n.sim.opts.dir("nodes", n.rec.Address, "staged.yaml"), req.GetData(), 0o600); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		n.rec.Applies = append(n.rec.Applies, record)
		return reply, n.persist()
	}
	names, err := n.store(cfg, req.GetData())
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	record.InlineManifests = names
	n.rec.Applies = append(n.rec.Applies, record)
	if err := n.persist(); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	// From maintenance the node installs and comes back configured; a REBOOT apply reboots.
	if inMaintenance || resolved == machine.ApplyConfigurationRequest_REBOOT {
		n.rec.Mode = ModeConfigured
		n.markRebooting()
		n.reboot(nil)
	}
	return reply, nil
}

// store makes cfg the node's machine config and records what it carries (the config itself, 0600, and each
// cluster.inlineManifests entry as a file, so tests can read what the control plane was given).
func (n *Node) store(cfg config.Provider, raw []byte) ([]string, error) {
	dir := n.sim.opts.dir("nodes", n.rec.Address)
	if err := writeFileAtomic(dir+"/config.yaml", raw, 0o600); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(dir + "/inline-manifests"); err != nil {
		return nil, err
	}
	names := []string{}
	if cluster := cfg.Cluster(); cluster != nil {
		for _, m := range cluster.InlineManifests() {
			names = append(names, m.Name())
			if err := writeFileAtomic(dir+"/inline-manifests/"+safeName(m.Name())+".yaml", []byte(m.Contents()), 0o600); err != nil {
				return nil, err
			}
		}
	}
	n.cfg, n.raw = cfg, raw
	n.rec.MachineType = cfg.Machine().Type().String()
	if h := cfg.NetworkHostnameConfig(); h != nil && !reflect.ValueOf(h).IsNil() {
		n.rec.Hostname = h.Hostname()
	}
	if cluster := cfg.Cluster(); cluster != nil {
		n.rec.ClusterID, n.rec.ClusterName = cluster.ID(), cluster.Name()
	}
	return names, nil
}

// canApplyImmediate reports what in the new config needs a reboot. The sections Talos applies live are
// copied over from the current config; whatever still differs needs a reboot.
func canApplyImmediate(current, next config.Provider) error {
	if current == nil || current.RawV1Alpha1() == nil {
		return fmt.Errorf("no current config")
	}
	cur, nxt := current.RawV1Alpha1(), next.RawV1Alpha1()
	if nxt == nil {
		return fmt.Errorf("new config is not v1alpha1")
	}
	nxt = nxt.DeepCopy()
	nxt.ConfigDebug = cur.ConfigDebug
	nxt.ClusterConfig = cur.ClusterConfig
	if nxt.MachineConfig != nil && cur.MachineConfig != nil {
		liveMachineSections(cur.MachineConfig, nxt.MachineConfig)
	}
	if !reflect.DeepEqual(cur, nxt) {
		return fmt.Errorf("this config change can't be applied in immediate mode")
	}
	return nil
}

// liveMachineSections copies the machine sections Talos v1.13 reconfigures without a reboot from cur to nxt.
func liveMachineSections(cur, nxt *v1alpha1.MachineConfig) {
	nxt.MachineCA, nxt.MachineAcceptedCAs = cur.MachineCA, cur.MachineAcceptedCAs
	nxt.MachineTime = cur.MachineTime //nolint:staticcheck
	nxt.MachineCertSANs, nxt.MachineInstall = cur.MachineCertSANs, cur.MachineInstall
	nxt.MachineNetwork = cur.MachineNetwork //nolint:staticcheck
	nxt.MachineSysfs, nxt.MachineSysctls = cur.MachineSysfs, cur.MachineSysctls
	nxt.MachineLogging, nxt.MachineControlPlane = cur.MachineLogging, cur.MachineControlPlane
	nxt.MachineKubelet, nxt.MachineKernel = cur.MachineKubelet, cur.MachineKernel
	nxt.MachineRegistries = cur.MachineRegistries //nolint:staticcheck
	nxt.MachinePods, nxt.MachineSeccompProfiles = cur.MachinePods, cur.MachineSeccompProfiles
	nxt.MachineNodeAnnotations, nxt.MachineNodeLabels, nxt.MachineNodeTaints = cur.MachineNodeAnnotations, cur.MachineNodeLabels, cur.MachineNodeTaints
	if nxt.MachineFeatures != nil && cur.MachineFeatures != nil {
		nxt.MachineFeatures.KubernetesTalosAPIAccessConfig = cur.MachineFeatures.KubernetesTalosAPIAccessConfig
		nxt.MachineFeatures.KubePrismSupport = cur.MachineFeatures.KubePrismSupport
		nxt.MachineFeatures.HostDNSSupport = cur.MachineFeatures.HostDNSSupport
		nxt.MachineFeatures.ImageCacheSupport = cur.MachineFeatures.ImageCacheSupport
		nxt.MachineFeatures.FeatureNodeAddressSortAlgorithm = cur.MachineFeatures.FeatureNodeAddressSortAlgorithm
	}
}
