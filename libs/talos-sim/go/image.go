package main

import (
	"fmt"
	"regexp"
	"strings"
)

// InstallerImage is an installer reference split into what an upgrade changes: the schematic (the extensions)
// and the Talos version.
type InstallerImage struct {
	Ref string
	// Schematic is the Image Factory schematic ID; "" for a non-factory installer (no extensions).
	Schematic string
	Platform  string
	Tag       string
}

// factory.talos.dev/<platform>-installer/<schematic>:<tag>, or the legacy factory.talos.dev/installer/<schematic>:<tag>.
var factoryInstaller = regexp.MustCompile(`^[^/]+/(?:([a-z0-9-]+)-)?installer(?:-secureboot)?/([0-9a-f]{64}):(v[0-9][^@]*)$`)

// ghcr.io/siderolabs/installer:<tag> and other plain installers.
var plainInstaller = regexp.MustCompile(`^.+:(v[0-9][^@/]*)$`)

// ParseInstallerImage reads the schematic and tag out of an installer reference.
func ParseInstallerImage(ref string) (InstallerImage, error) {
	if m := factoryInstaller.FindStringSubmatch(ref); m != nil {
		return InstallerImage{Ref: ref, Platform: m[1], Schematic: m[2], Tag: m[3]}, nil
	}
	if m := plainInstaller.FindStringSubmatch(ref); m != nil && strings.Contains(ref, "installer") {
		return InstallerImage{Ref: ref, Tag: m[1]}, nil
	}
	return InstallerImage{}, fmt.Errorf("%q is not an installer image reference with a version tag", ref)
}
