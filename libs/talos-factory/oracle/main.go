// Command oracle re-derives Image Factory schematic IDs with the real YAML library the factory uses
// (go.yaml.in/yaml/v4), so the TypeScript encoder in ../src can be checked against it. It is a dev-time tool:
// `go run . < cases.jsonl > results.jsonl` (generate.ts here drives it). The struct definitions are
// written from the fields, their order and yaml tags in siderolabs/image-factory pkg/schematic/schematic.go,
// not copied from it.
//
// Input: one JSON object per line, {"name": "...", "input": "<schematic YAML or JSON text>"}.
// Output: one JSON object per line, {"name", "input", "canonical", "id"} or {"name", "input", "error"}.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

type bootloaderKind int

var bootloaderNames = []string{"none", "dual-boot", "sd-boot", "grub"}

func (b bootloaderKind) MarshalText() ([]byte, error) {
	if int(b) < 0 || int(b) >= len(bootloaderNames) {
		return nil, fmt.Errorf("bad bootloader %d", int(b))
	}
	return []byte(bootloaderNames[b]), nil
}

func (b *bootloaderKind) UnmarshalText(text []byte) error {
	for i, name := range bootloaderNames {
		if strings.EqualFold(name, string(text)) {
			*b = bootloaderKind(i)
			return nil
		}
	}
	return fmt.Errorf("%s does not belong to BootloaderKind values", string(text))
}

type metaValue struct {
	Key   uint8  `yaml:"key"`
	Value string `yaml:"value"`
}

type systemExtensions struct {
	OfficialExtensions []string `yaml:"officialExtensions,omitempty"`
}

type overlay struct {
	Image   string         `yaml:"image"`
	Name    string         `yaml:"name"`
	Options map[string]any `yaml:"options,omitempty"`
}

type secureBoot struct {
	EnrollKeys                   string `yaml:"enrollKeys,omitempty"`
	IncludeWellKnownCertificates bool   `yaml:"includeWellKnownCertificates,omitempty"`
}

type diskImage struct {
	SectorSize uint `yaml:"sectorSize,omitempty"`
}

type customization struct {
	EmbeddedMachineConfiguration string           `yaml:"embeddedMachineConfiguration,omitempty"`
	ExtraKernelArgs              []string         `yaml:"extraKernelArgs,omitempty"`
	Meta                         []metaValue      `yaml:"meta,omitempty"`
	SystemExtensions             systemExtensions `yaml:"systemExtensions,omitempty"`
	Bootloader                   bootloaderKind   `yaml:"bootloader,omitempty"`
	SecureBoot                   secureBoot       `yaml:"secureboot,omitempty"`
	DiskImage                    diskImage        `yaml:"diskImage,omitempty"`
}

type schematic struct {
	Owner         string        `yaml:"owner,omitempty"`
	Overlay       overlay       `yaml:"overlay,omitempty"`
	Customization customization `yaml:"customization"`
}

type request struct {
	Name  string `json:"name"`
	Input string `json:"input"`
}

type result struct {
	Name      string `json:"name"`
	Input     string `json:"input"`
	Canonical string `json:"canonical,omitempty"`
	ID        string `json:"id,omitempty"`
	Error     string `json:"error,omitempty"`
}

func process(input string) (string, string, error) {
	var cfg schematic
	dec := yaml.NewDecoder(bytes.NewReader([]byte(input)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		if err.Error() != "EOF" {
			return "", "", err
		}
	}
	out, err := yaml.Marshal(&cfg)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(out)
	return string(out), hex.EncodeToString(sum[:]), nil
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for scanner.Scan() {
		var req request
		if err := json.Unmarshal(scanner.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request line:", err)
			os.Exit(2)
		}
		res := result{Name: req.Name, Input: req.Input}
		canonical, id, err := func() (c string, i string, e error) {
			defer func() {
				if r := recover(); r != nil {
					e = fmt.Errorf("panic: %v", r)
				}
			}()
			return process(req.Input)
		}()
		if err != nil {
			res.Error = err.Error()
		} else {
			res.Canonical, res.ID = canonical, id
		}
		if err := enc.Encode(res); err != nil {
			os.Exit(3)
		}
	}
}
