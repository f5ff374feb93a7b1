package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Mode is what a simulated node's apid serves.
type Mode string

const (
	// ModeMaintenance is a node booted from the template with no machine config: insecure API, apply only.
	ModeMaintenance Mode = "maintenance"
	// ModeConfigured is a node with a machine config: mutual TLS with the config's OS CA.
	ModeConfigured Mode = "configured"
)

// NodeRecord is what the simulator keeps about one node across restarts (<state>/nodes/<addr>/node.json).
type NodeRecord struct {
	Address string `json:"address"`
	Mode    Mode   `json:"mode"`
	// InstalledImage is the installer image the running system came from (the template's at first boot).
	InstalledImage string         `json:"installedImage"`
	StagedImage    string         `json:"stagedImage,omitempty"`
	BootID         string         `json:"bootId"`
	Boots          int            `json:"boots"`
	Hostname       string         `json:"hostname,omitempty"`
	MachineType    string         `json:"machineType,omitempty"`
	ClusterID      string         `json:"clusterId,omitempty"`
	ClusterName    string         `json:"clusterName,omitempty"`
	Calls          map[string]int `json:"calls"`
	Applies        []ApplyRecord  `json:"applies"`
	Upgrades       []UpgradeEntry `json:"upgrades"`
	// Images is every image pulled into the node's containerd (ImageService.Pull).
	Images  []PulledImage `json:"images"`
	Reboots []string      `json:"reboots"`
	// BootLog is every time apid came up: when, in which mode and from which installer image. With Upgrades it
	// shows the order of a rolling upgrade (a node back on its new image before the next one starts).
	BootLog      []BootEntry `json:"bootLog"`
	Bootstrapped bool        `json:"bootstrapped,omitempty"`
}

// ApplyRecord is one accepted ApplyConfiguration.
type ApplyRecord struct {
	At              string   `json:"at"`
	Mode            string   `json:"mode"`
	InMaintenance   bool     `json:"inMaintenance"`
	DryRun          bool     `json:"dryRun,omitempty"`
	InstallImage    string   `json:"installImage,omitempty"`
	InlineManifests []string `json:"inlineManifests,omitempty"`
}

// UpgradeEntry is one accepted Upgrade.
type UpgradeEntry struct {
	At    string `json:"at"`
	From  string `json:"from"`
	Image string `json:"image"`
	Stage bool   `json:"stage,omitempty"`
	// API is the call that asked for it: MachineService.Upgrade (talosctl --legacy) or LifecycleService.Upgrade.
	API string `json:"api"`
}

// PulledImage is one ImageService.Pull: the reference asked for and the pinned name the node stores it under.
type PulledImage struct {
	At        string `json:"at"`
	Namespace string `json:"namespace"`
	Ref       string `json:"ref"`
	Name      string `json:"name"`
}

// BootEntry is one boot: apid serving again.
type BootEntry struct {
	At    string `json:"at"`
	Mode  Mode   `json:"mode"`
	Image string `json:"image"`
}

// ClusterRecord is per cluster ID (<state>/clusters/<id>.json): whether etcd was bootstrapped and where.
type ClusterRecord struct {
	ID            string `json:"id"`
	BootstrapNode string `json:"bootstrapNode"`
	At            string `json:"at"`
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// writeFileAtomic writes data with a temp file + rename, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close() //nolint:errcheck
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close() //nolint:errcheck
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'), 0o600)
}

func readJSON(path string, v any) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return true, nil
}

// safeName turns a resource name into a file name (inline manifests are named by the user).
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		default:
			return '_'
		}
	}, name)
}
