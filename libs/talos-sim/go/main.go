// talos-sim simulates the Talos machine API (apid) of a cluster's nodes for tests and the embedded `local`
// environment: one gRPC-over-TLS listener per node on 127.0.0.x:50000, built on pkg/machinery's generated stubs
// so the real talos provider and talosctl talk to it. Started by libs/talos-sim (TypeScript); see its README.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type addressList []string

func (a *addressList) String() string { return strings.Join(*a, ",") }

func (a *addressList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*a = append(*a, part)
		}
	}
	return nil
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("talos-sim", flag.ContinueOnError)
	var opts Options
	var nodes addressList
	fs.StringVar(&opts.StateDir, "state-dir", "", "directory for node records, applied configs and the status file (required)")
	fs.Var(&nodes, "node", "loopback address of a node, repeatable or comma-separated (e.g. 127.0.0.11)")
	fs.IntVar(&opts.Port, "port", 50000, "apid port on every node address")
	fs.StringVar(&opts.ValidationMode, "validation-mode", "cloud", "platform mode machine configs are validated in: cloud or metal")
	fs.StringVar(&opts.Platform, "platform", "nocloud", "platform name reported by Version")
	fs.StringVar(&opts.TemplateImage, "template-image", "", "installer image of the template the VMs boot from (factory.talos.dev/<platform>-installer/<schematic>:<version>)")
	boot := fs.Duration("boot-delay", 500*time.Millisecond, "how long a reboot keeps apid down")
	fs.BoolVar(&opts.AllowSchematicChange, "allow-schematic-change", false, "let Upgrade switch a node to an installer with another schematic")
	fs.Uint64Var(&opts.MemoryMiB, "memory-mib", 4096, "memory each node reports")
	fs.Uint64Var(&opts.DiskGiB, "disk-gib", 64, "system disk size each node reports")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: talos-sim --state-dir DIR --template-image REF --node 127.0.0.x [--node ...] [options]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	opts.Addresses, opts.BootDelay = nodes, *boot
	switch {
	case opts.StateDir == "":
		fmt.Fprintln(os.Stderr, "talos-sim: --state-dir is required")
		fs.Usage()
		return 2
	case len(opts.Addresses) == 0:
		fmt.Fprintln(os.Stderr, "talos-sim: at least one --node is required")
		fs.Usage()
		return 2
	case opts.ValidationMode != "cloud" && opts.ValidationMode != "metal":
		fmt.Fprintf(os.Stderr, "talos-sim: --validation-mode %q: expected cloud or metal\n", opts.ValidationMode)
		return 2
	}
	logger := log.New(os.Stderr, "talos-sim: ", log.LstdFlags|log.Lmicroseconds)
	sim, err := NewSim(opts, logger)
	if err != nil {
		fmt.Fprintf(os.Stderr, "talos-sim: %v\n", err)
		return 1
	}
	if err := sim.Start(); err != nil {
		sim.Stop()
		fmt.Fprintf(os.Stderr, "talos-sim: %v\n", err)
		return 1
	}
	// The adapter waits for this line before it uses the nodes.
	fmt.Println("talos-sim: ready")
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	sim.Stop()
	os.Remove(opts.dir("sim.json")) //nolint:errcheck
	return 0
}
