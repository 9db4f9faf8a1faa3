package natstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// TLSFiles are the PEM files of a throwaway certificate authority, a
// server certificate for 127.0.0.1 and a client certificate, all signed by
// that authority.
type TLSFiles struct {
	CA         string
	ServerCert string
	ServerKey  string
	ClientCert string
	ClientKey  string
}

// MutualTLS writes fresh TLS files into dir and returns an option that
// makes a server require TLS with a client certificate from that CA.
func MutualTLS(dir string) (func(*server.Options), TLSFiles, error) {
	files := TLSFiles{
		CA:         filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server-cert.pem"),
		ServerKey:  filepath.Join(dir, "server-key.pem"),
		ClientCert: filepath.Join(dir, "client-cert.pem"),
		ClientKey:  filepath.Join(dir, "client-key.pem"),
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, files, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kvdeck test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, files, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, files, err
	}
	if err := writePEM(files.CA, "CERTIFICATE", caDER); err != nil {
		return nil, files, err
	}

	leaf := func(serial int64, usage x509.ExtKeyUsage, certFile, keyFile string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: "127.0.0.1"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return err
		}
		if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
			return err
		}
		return writePEM(keyFile, "EC PRIVATE KEY", keyDER)
	}
	if err := leaf(2, x509.ExtKeyUsageServerAuth, files.ServerCert, files.ServerKey); err != nil {
		return nil, files, err
	}
	if err := leaf(3, x509.ExtKeyUsageClientAuth, files.ClientCert, files.ClientKey); err != nil {
		return nil, files, err
	}

	tlsConfig, err := server.GenTLSConfig(&server.TLSConfigOpts{
		CertFile: files.ServerCert,
		KeyFile:  files.ServerKey,
		CaFile:   files.CA,
		Verify:   true,
	})
	if err != nil {
		return nil, files, err
	}
	return func(o *server.Options) {
		o.TLS = true
		o.TLSVerify = true
		o.TLSConfig = tlsConfig.Clone()
		o.TLSTimeout = 2
	}, files, nil
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}
