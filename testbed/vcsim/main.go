// Command vcsim serves a simulated vCenter (govmomi's simulator package) for ECS Insight's tests and
// benchmarks: inventory sizes from flags, HTTPS on 127.0.0.1:PORT, stopped by SIGTERM.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/vpx"
)

// selfSigned makes a 2048-bit RSA certificate for 127.0.0.1: the simulator's built-in test
// certificate has a 1024-bit key, which OpenSSL's default security level refuses to verify.
func selfSigned() (tls.Certificate, []byte) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatalf("generating a key: %v", err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "vcsim.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		log.Fatalf("creating the certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, der
}

// seriesFlag collects repeated -series TYPE:COUNTER=V1,V2,... options.
type seriesFlag []string

func (s *seriesFlag) String() string { return strings.Join(*s, " ") }

func (s *seriesFlag) Set(value string) error {
	*s = append(*s, value)
	return nil
}

// applySeries replaces the samples the simulator replays for a counter of an entity type; an empty
// list removes them, so QueryPerf answers that counter with no values (a counter the vCenter does
// not keep for that type). Zero values are not allowed: the simulator's XML encoding drops them.
func applySeries(specs []string) error {
	for _, spec := range specs {
		target, list, found := strings.Cut(spec, "=")
		kind, counter, typed := strings.Cut(target, ":")
		if !found || !typed {
			return fmt.Errorf("-series %q: expected TYPE:COUNTER=V1,V2,...", spec)
		}
		data, known := vpx.MetricData[kind]
		if !known {
			return fmt.Errorf("-series %q: unknown entity type %q", spec, kind)
		}
		id, err := strconv.ParseInt(counter, 10, 32)
		if err != nil {
			return fmt.Errorf("-series %q: counter id %q is not a number", spec, counter)
		}
		if list == "" {
			delete(data, int32(id))
			continue
		}
		var values []int64
		for _, text := range strings.Split(list, ",") {
			v, err := strconv.ParseInt(text, 10, 64)
			if err != nil || v <= 0 {
				return fmt.Errorf("-series %q: %q is not a positive integer", spec, text)
			}
			values = append(values, v)
		}
		data[int32(id)] = values
	}
	return nil
}

func main() {
	port := flag.Int("port", 0, "TCP port on 127.0.0.1 (0 picks one)")
	dc := flag.Int("dc", 1, "datacenters")
	clusters := flag.Int("cluster", 1, "clusters per datacenter")
	hosts := flag.Int("host", 3, "hosts per cluster")
	standalone := flag.Int("standalone-host", 1, "standalone hosts per datacenter")
	vms := flag.Int("vm", 2, "virtual machines per resource pool (each cluster and standalone host has one)")
	pools := flag.Int("pool", 0, "child resource pools per cluster")
	datastores := flag.Int("ds", 1, "datastores")
	certOut := flag.String("cert", "", "write the server certificate (PEM) here")
	username := flag.String("username", "user", "the only user name accepted")
	password := flag.String("password", "pass", "the only password accepted")
	var series seriesFlag
	flag.Var(&series, "series", "TYPE:COUNTER=V1,V2,... samples replayed for a counter (empty: none); repeatable")
	flag.Parse()
	if err := applySeries(series); err != nil {
		log.Fatal(err)
	}

	model := simulator.VPX()
	model.Datacenter = *dc
	model.Cluster = *clusters
	model.ClusterHost = *hosts
	model.Host = *standalone
	model.Machine = *vms
	model.Pool = *pools
	model.Datastore = *datastores
	if err := model.Create(); err != nil {
		log.Fatalf("creating the model: %v", err)
	}
	defer model.Remove()

	model.Service.Listen = &url.URL{Host: fmt.Sprintf("127.0.0.1:%d", *port),
		User: url.UserPassword(*username, *password)}
	cert, der := selfSigned()
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	model.Service.RegisterEndpoints = true
	server := model.Service.NewServer()
	defer server.Close()

	if *certOut != "" {
		block := &pem.Block{Type: "CERTIFICATE", Bytes: der}
		if err := ioutil.WriteFile(*certOut, pem.EncodeToMemory(block), 0o644); err != nil {
			log.Fatalf("writing the certificate: %v", err)
		}
	}
	// One line the test harness waits for: where the SDK is served.
	fmt.Printf("VCSIM_URL=https://%s/sdk\n", server.URL.Host)
	os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
