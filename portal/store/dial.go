package store

import (
	"bufio"
	"context"
	"net"
	"time"
)

// readBuffer is how much of PostgreSQL's answer a connection takes from
// the kernel at once. lib/pq reads through a 4 KB buffer: a patient's
// history (some 300 KB of rows) took about seventy read system calls, each
// of which cost more than decoding what it returned.
const readBuffer = 64 << 10

// bufferedDialer dials PostgreSQL as lib/pq's own dialer does and reads
// each connection through a larger buffer.
type bufferedDialer struct{ d net.Dialer }

func (b bufferedDialer) Dial(network, address string) (net.Conn, error) {
	return b.DialContext(context.Background(), network, address)
}

func (b bufferedDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return b.DialContext(ctx, network, address)
}

func (b bufferedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := b.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, readBuffer)}, nil
}

// bufferedConn is a net.Conn whose reads go through r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
