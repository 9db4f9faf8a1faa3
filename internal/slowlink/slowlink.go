// Package slowlink is a loopback TCP proxy that delays every chunk of data
// by a fixed time in each direction, to measure kvdeck over a link with a
// real round trip (a server in another region) without leaving the machine.
//
// Each direction has a reader that stamps every chunk with its arrival time
// and queues it, and a writer that forwards each chunk once its delay has
// passed. The reader never waits for the writer, so chunks sent back to back
// (pipelined requests) travel together, each arriving one delay after it was
// sent, as on a long link, rather than one delay after the previous chunk
// was delivered. Order is preserved: one queue per direction.
package slowlink

import (
	"errors"
	"net"
	"sync"
	"time"
)

// queueChunks bounds the chunks in flight in one direction. When it is
// full the reader stops reading and TCP's own flow control pushes back on
// the sender, as a full link would; at 64 KiB a chunk it is far more than
// a 50 ms link carries on loopback in practice.
const queueChunks = 4096

// chunkBytes is the most one read takes from a socket.
const chunkBytes = 64 << 10

// Proxy forwards connections from Addr to a target with a delay each way.
type Proxy struct {
	// Addr is the loopback address to connect to instead of the target.
	Addr string

	target string
	delay  time.Duration
	ln     net.Listener

	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
	done      chan struct{}
	closeOnce sync.Once
}

// Listen starts a proxy on a free 127.0.0.1 port to target, delaying each
// direction by delay (the round trip is twice delay). The target must be a
// loopback address: this is a measuring tool, never a way to slow anyone
// else's server.
func Listen(target string, delay time.Duration) (*Proxy, error) {
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, errors.New("slowlink: the target must be on loopback, got " + target)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, delay: delay, ln: ln,
		conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Close stops listening, cuts every open connection and waits for the
// proxy's goroutines to end. Calling it again does nothing.
func (p *Proxy) Close() error {
	var err error
	p.closeOnce.Do(func() {
		p.mu.Lock()
		close(p.done)
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		err = p.ln.Close()
	})
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		c.Close()
		return false
	default:
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(client) {
			continue
		}
		p.wg.Add(1)
		go p.serve(client)
	}
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	// The connection itself is set up at once: the delay models the
	// bytes' travel, and clients connect once and then talk.
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(server, client) }()
	go func() { defer wg.Done(); p.pipe(client, server) }()
	wg.Wait()
}

// chunk is data read at a time; nil data marks the end of the stream.
type chunk struct {
	data []byte
	at   time.Time
}

// pipe copies src to dst, each chunk delay after it was read. At the end
// of src it half-closes dst, so a request/response exchange can still
// finish; on an error it closes both.
func (p *Proxy) pipe(dst, src net.Conn) {
	q := make(chan chunk, queueChunks)
	go func() {
		buf := make([]byte, chunkBytes)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{data: append([]byte(nil), buf[:n]...), at: time.Now()}
			}
			if err != nil {
				q <- chunk{at: time.Now()}
				close(q)
				return
			}
		}
	}()
	broken := false
	for c := range q {
		if broken {
			continue // drain, so the reader is never stuck on a full queue
		}
		if wait := time.Until(c.at.Add(p.delay)); wait > 0 {
			time.Sleep(wait)
		}
		if c.data == nil {
			if tc, ok := dst.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			continue
		}
		if _, err := dst.Write(c.data); err != nil {
			broken = true
			src.Close()
			dst.Close()
		}
	}
}
