// Package natstest runs real nats-server instances in-process for kvdeck's
// NATS tests and benchmarks: a single JetStream server or a JetStream
// cluster, on loopback ports, with their stores in temporary directories.
package natstest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// MaxPayload is the servers' max message size: large enough for the 1 MiB
// values the conformance suite writes, and nats-server's recommended ceiling.
const MaxPayload = 8 << 20

// readyTimeout bounds how long a starting server may take to accept clients.
const readyTimeout = 10 * time.Second

// Server is one in-process nats-server. Restart brings it back on the same
// port with the same store directory, so clients can reconnect to it.
type Server struct {
	srv  *server.Server
	opts *server.Options
}

// Run starts a JetStream server on a free 127.0.0.1 port with its store in
// storeDir and waits until it accepts clients. opts adjust the options
// before the start (auth, TLS, no JetStream...). It is the starter for
// programs such as the benchmark; tests use Start.
func Run(storeDir string, opts ...func(*server.Options)) (*Server, error) {
	o := &server.Options{
		ServerName: "kvdeck-test",
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		JetStream:  true,
		StoreDir:   storeDir,
		MaxPayload: MaxPayload,
		NoLog:      true,
		NoSigs:     true,
	}
	for _, opt := range opts {
		opt(o)
	}
	s := &Server{opts: o}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start runs a server for the test (see Run) with its store in a test
// temporary directory, and shuts it down when the test ends.
func Start(t testing.TB, opts ...func(*server.Options)) *Server {
	t.Helper()
	s, err := Run(t.TempDir(), opts...)
	if err != nil {
		t.Fatalf("start nats-server: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func (s *Server) start() error {
	// The server fills defaults into the options it is given; keep ours
	// clean so that a restart starts from the same configuration.
	srv, err := server.NewServer(s.opts.Clone())
	if err != nil {
		return fmt.Errorf("nats-server options: %w", err)
	}
	if !s.opts.NoLog {
		srv.ConfigureLogger()
	}
	srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		return errors.New("nats-server did not become ready in time")
	}
	// Pin the port the server picked so a restart reuses it.
	if addr, ok := srv.Addr().(*net.TCPAddr); ok {
		s.opts.Port = addr.Port
	}
	if s.opts.Cluster.Port == server.RANDOM_PORT {
		if addr := srv.ClusterAddr(); addr != nil {
			s.opts.Cluster.Port = addr.Port
		}
	}
	s.srv = srv
	return nil
}

// URL is the client URL, nats://127.0.0.1:PORT.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.opts.Port) }

// Port is the client port.
func (s *Server) Port() int { return s.opts.Port }

// StoreDir is the JetStream store directory.
func (s *Server) StoreDir() string { return s.opts.StoreDir }

// Name is the server name.
func (s *Server) Name() string { return s.opts.ServerName }

// NATS is the running nats-server, nil while shut down.
func (s *Server) NATS() *server.Server { return s.srv }

// Running reports whether the server is up.
func (s *Server) Running() bool { return s.srv != nil }

// Shutdown stops the server and waits until it has stopped. It is safe to
// call more than once.
func (s *Server) Shutdown() {
	if s.srv == nil {
		return
	}
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	s.srv = nil
}

// Restart starts a shut-down server again on the same port with the same
// store directory, so its streams survive and clients reconnect.
func (s *Server) Restart() error {
	if s.srv != nil {
		return errors.New("nats-server is still running")
	}
	// The old listener may linger for a moment after a shutdown, and a
	// server that cannot listen only finds out after its ready timeout, so
	// wait until the port is free first.
	addr := fmt.Sprintf("127.0.0.1:%d", s.opts.Port)
	deadline := time.Now().Add(readyTimeout)
	for {
		l, err := net.Listen("tcp", addr)
		if err == nil {
			l.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("port %d stays busy: %w", s.opts.Port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s.start()
}

// RemoveStore deletes the store directory of a shut-down server; for
// programs that used Run with a directory of their own.
func (s *Server) RemoveStore() error {
	if s.srv != nil {
		return errors.New("nats-server is still running")
	}
	return os.RemoveAll(s.opts.StoreDir)
}
