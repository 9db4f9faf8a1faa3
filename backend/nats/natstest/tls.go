package natstest

import (
	"github.com/nats-io/nats-server/v2/server"

	"github.com/kvdeck/kvdeck/internal/testcerts"
)

// TLSFiles are the PEM files of a throwaway certificate authority, a
// server certificate for 127.0.0.1 and a client certificate, all signed by
// that authority.
type TLSFiles = testcerts.Files

// MutualTLS writes fresh TLS files into dir and returns an option that
// makes a server require TLS with a client certificate from that CA.
func MutualTLS(dir string) (func(*server.Options), TLSFiles, error) {
	files, err := testcerts.Write(dir)
	if err != nil {
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
