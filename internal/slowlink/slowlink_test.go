package slowlink

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// The proxy's promises are about time, so these tests check lower bounds
// (each direction is delayed at least the delay) and an upper bound far
// from the limit (pipelined chunks overlap: ten of them take about one
// round trip, not ten), never a close timing.

const delay = 25 * time.Millisecond

// echoServer answers each line with the same line, on loopback.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func start(t *testing.T) (*Proxy, net.Conn) {
	t.Helper()
	p, err := Listen(echoServer(t), delay)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return p, c
}

func TestEachWayIsDelayed(t *testing.T) {
	_, c := start(t)
	r := bufio.NewReader(c)
	for i := range 3 {
		sent := time.Now()
		fmt.Fprintf(c, "ping %d\n", i)
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line != fmt.Sprintf("ping %d\n", i) {
			t.Fatalf("got %q", line)
		}
		if rt := time.Since(sent); rt < 2*delay {
			t.Fatalf("round trip %v, want at least %v (%v each way)", rt, 2*delay, delay)
		}
	}
}

func TestPipelinedChunksOverlapInOrder(t *testing.T) {
	_, c := start(t)
	r := bufio.NewReader(c)
	const n = 20
	sent := time.Now()
	// Twenty requests 5 ms apart: a proxy that delivered one chunk per delay
	// would need twenty round trips (1 s); one that overlaps them needs
	// about one round trip after the last was sent (~150 ms). The bound is
	// half the serialised time, far from either.
	for i := range n {
		fmt.Fprintf(c, "req %d\n", i)
		time.Sleep(5 * time.Millisecond)
	}
	for i := range n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("req %d\n", i); line != want {
			t.Fatalf("answer %d is %q, want %q: order lost", i, line, want)
		}
	}
	total := time.Since(sent)
	if total < 2*delay {
		t.Fatalf("all answers after %v, want at least one round trip (%v)", total, 2*delay)
	}
	if total >= n*2*delay/2 {
		t.Fatalf("all answers after %v: chunks were serialised (one round trip each would be %v)", total, n*2*delay)
	}
}

func TestLargeTransferArrivesWhole(t *testing.T) {
	_, c := start(t)
	payload := make([]byte, 4<<20)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	go c.Write(payload)
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != payload[i] {
			t.Fatalf("byte %d differs", i)
		}
	}
}

func TestRefusesNonLoopbackTargets(t *testing.T) {
	if _, err := Listen("192.0.2.1:6379", delay); err == nil {
		t.Fatal("a non-loopback target was accepted")
	}
}

func TestCloseEndsOpenConnections(t *testing.T) {
	p, c := start(t)
	fmt.Fprintf(c, "hello\n")
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	p.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection still open after Close")
	}
}
