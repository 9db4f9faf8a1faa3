package sshtunnel

import (
	"time"

	"golang.org/x/crypto/ssh"
)

// keepAlive sends keepalive@openssh.com every interval and closes the
// connection when a reply takes longer than another interval. Any reply,
// even a refusal, proves the server is there.
func keepAlive(c *ssh.Client, interval time.Duration, done <-chan struct{}) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		replied := make(chan error, 1)
		go func() {
			_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
			replied <- err
		}()
		timer := time.NewTimer(interval)
		select {
		case err := <-replied:
			timer.Stop()
			if err != nil {
				c.Close()
				return
			}
		case <-timer.C:
			c.Close()
			return
		case <-done:
			timer.Stop()
			return
		}
	}
}
