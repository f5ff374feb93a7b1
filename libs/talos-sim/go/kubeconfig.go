package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config"
)

// adminKubeconfig is a kubeconfig for the cluster's endpoint, trusting the cluster CA, with a fresh client
// certificate for `admin` in system:masters signed by that CA (what machined hands out).
func adminKubeconfig(cfg config.Provider) ([]byte, error) {
	clusterCfg := cfg.Cluster()
	if clusterCfg == nil || clusterCfg.IssuingCA() == nil || clusterCfg.Endpoint() == nil {
		return nil, errors.New("the machine config has no cluster CA or endpoint")
	}
	ca, err := ParseCA(clusterCfg.IssuingCA().Crt, clusterCfg.IssuingCA().Key)
	if err != nil {
		return nil, fmt.Errorf("cluster.ca: %w", err)
	}
	lifetime := 365 * 24 * time.Hour
	if adm := clusterCfg.AdminKubeconfig(); adm != nil && adm.CertLifetime() > 0 {
		lifetime = adm.CertLifetime()
	}
	certPEM, keyPEM, err := issue(ca, leafSpec{commonName: "admin", organization: []string{"system:masters"}, client: true, lifetime: lifetime})
	if err != nil {
		return nil, err
	}
	name := clusterCfg.Name()
	user := "admin@" + name
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
    - name: %[1]s
      cluster:
        server: %[2]s
        certificate-authority-data: %[3]s
users:
    - name: %[4]s
      user:
        client-certificate-data: %[5]s
        client-key-data: %[6]s
contexts:
    - context:
        cluster: %[1]s
        namespace: default
        user: %[4]s
      name: %[4]s
current-context: %[4]s
`, name, clusterCfg.Endpoint().String(), b64(ca.CertPEM), user, b64(certPEM), b64(keyPEM)), nil
}

// adminKubeconfigArchive wraps the kubeconfig the way the Kubeconfig API streams it: a .tar.gz holding one
// file named "kubeconfig" (the client unpacks it).
func adminKubeconfigArchive(cfg config.Provider) ([]byte, error) {
	kubeconfig, err := adminKubeconfig(cfg)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "kubeconfig", Size: int64(len(kubeconfig)), Mode: 0o600, ModTime: time.Now()}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(kubeconfig); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
