package sshtunnel

import (
	"io"
	"net"
	"sync"
)

// conn is a tunnelled connection with deadlines. An SSH channel has none
// ("ssh: tcpChan: deadline not supported"), yet go-redis and nats.go set
// one around every read and write and fail if they cannot; so the caller
// gets one end of a net.Pipe, which has them, and two goroutines copy
// between its other end and the channel.
type conn struct {
	net.Conn // the caller's end of the pipe
	ch       net.Conn
	remote   net.Addr
	once     sync.Once
}

func newConn(ch net.Conn, network, addr string) net.Conn {
	mine, theirs := net.Pipe()
	c := &conn{Conn: mine, ch: ch, remote: dialledAddr{network, addr}}
	go func() {
		io.Copy(ch, theirs)
		// The caller closed its end (or the channel broke): the
		// channel closes, which the server sees as the end of the stream.
		ch.Close()
		theirs.Close()
	}()
	go func() {
		io.Copy(theirs, ch)
		// The far end closed: the caller reads io.EOF.
		theirs.Close()
	}()
	return c
}

// Close closes both ends at once, so the server sees the close now.
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.ch.Close() })
	return err
}

// LocalAddr is the channel's (zero: SSH does not say); RemoteAddr is the
// address dialled, as the SSH server resolves it.
func (c *conn) LocalAddr() net.Addr  { return c.ch.LocalAddr() }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

type dialledAddr struct{ network, addr string }

func (a dialledAddr) Network() string { return a.network }
func (a dialledAddr) String() string  { return a.addr }
