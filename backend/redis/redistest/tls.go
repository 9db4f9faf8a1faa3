package redistest

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"

	"github.com/kvdeck/kvdeck/internal/testcerts"
)

// TLSFiles are the PEM files of a test CA and the server it signed.
type TLSFiles struct {
	CA, Cert, Key string
}

// StartTLS starts a server that speaks only TLS, with a certificate for
// 127.0.0.1 signed by a fresh CA (in TLSFiles.CA). Client certificates are
// not required.
func StartTLS(t testing.TB) (*Server, TLSFiles) {
	t.Helper()
	dir := t.TempDir()
	files := writeCerts(t, dir)
	s, err := startWith(dir, nil, nil)
	if err == nil {
		// Restart the same process as TLS-only on a fresh port.
		s.Stop()
		s.tls = &files
		err = s.Restart()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, files
}

func (s *Server) tlsArgs() []string {
	return []string{"--port", "0", "--tls-port", s.portString(), "--tls-cert-file", s.tls.Cert,
		"--tls-key-file", s.tls.Key, "--tls-ca-cert-file", s.tls.CA, "--tls-auth-clients", "no"}
}

// clientTLS trusts the test CA.
func (s *Server) clientTLS() *tls.Config {
	pool := x509.NewCertPool()
	ca, _ := os.ReadFile(s.tls.CA)
	pool.AppendCertsFromPEM(ca)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func writeCerts(t testing.TB, dir string) TLSFiles {
	t.Helper()
	f, err := testcerts.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	return TLSFiles{CA: f.CA, Cert: f.ServerCert, Key: f.ServerKey}
}
