// Command natsd runs nats-server with JetStream, as natstest configures it
// for kvdeck's tests, in a process of its own: bench/e2e starts it so that
// the server of its NATS rows, like redis-server for the Redis rows, shares
// nothing with the harness (whose terminal emulator draws kvdeck's frames)
// but the machine. It prints "url nats://127.0.0.1:PORT" once the server
// is ready, and shuts down when its standard input closes or on SIGTERM.
//
// -port picks the client port (default: a free one); internal/sshtest runs
// natsd in a network namespace of its own, where any port is free.
//
//	natsd -dir STORE_DIR [-port N]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/nats-io/nats-server/v2/server"
)

func main() {
	dir := flag.String("dir", "", "JetStream store directory")
	port := flag.Int("port", server.RANDOM_PORT, "client port (default: a free one)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "natsd: -dir is required")
		os.Exit(2)
	}
	srv, err := natstest.Run(*dir, func(o *server.Options) { o.Port = *port })
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsd:", err)
		os.Exit(1)
	}
	fmt.Println("url", srv.URL())
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	select {
	case <-done:
	case <-sig:
	}
	srv.Shutdown()
}
