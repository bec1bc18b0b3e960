// Package net: this file replaces kwok's pkg/utils/net/tunnel.go when
// build.sh builds kwok, so that port-forwards through the local cluster end
// as they end on a real node.
//
// kwok's Tunnel returned only once both directions had ended. When a dev
// server restarts, its side of a forwarded connection closes, but the
// client's side stays open, waiting for an answer that can no longer come:
// the connection hung until the client gave up (30 s for a browser's
// fetch). containerd, which serves port-forwards on real nodes, waits for
// the first direction to end, gives the other one second to finish, and
// then closes both; this does the same.
//
// Only where both ends can be stopped: a network connection (Close ends a
// read in progress) or a stream with Reset (a SPDY stream's Close only ends
// our half). Then Tunnel returns once both copies have stopped, so the
// callers' pooled buffers are free again. An exec's terminal (kwok's other
// caller) has a client side that cannot be stopped, and keeps kwok's rule:
// both directions, or the request's end.
package net

import (
	"context"
	"errors"
	"io"
	"net"
	"time"
)

// drainGrace is how long the other direction may go on after one has ended.
const drainGrace = time.Second

type resetter interface {
	Reset() error
}

// stoppable tells whether stop(c) ends a copy blocked on c.
func stoppable(c io.ReadWriter) bool {
	switch c.(type) {
	case resetter, net.Conn:
		return true
	}
	return false
}

func stop(c io.ReadWriter) {
	if r, ok := c.(resetter); ok {
		_ = r.Reset()
		return
	}
	if closer, ok := c.(io.Closer); ok {
		_ = closer.Close()
	}
}

// Tunnel copies c1 to c2 and c2 to c1. With two stoppable ends it returns
// when one direction has ended and the other has had drainGrace to finish,
// or when ctx is done; otherwise when both have ended or ctx is done. It
// returns the first copy error, or ctx's error unless it was cancelled.
func Tunnel(ctx context.Context, c1, c2 io.ReadWriter, buf1, buf2 []byte) error {
	done := make(chan error, 2)
	go func() {
		_, err := io.CopyBuffer(c2, c1, buf1)
		done <- err
	}()
	go func() {
		_, err := io.CopyBuffer(c1, c2, buf2)
		done <- err
	}()
	if !stoppable(c1) || !stoppable(c2) {
		return bothOrContext(ctx, done)
	}

	var first error
	running := 2
	select {
	case first = <-done:
		running--
		timer := time.NewTimer(drainGrace)
		select {
		case err := <-done:
			running--
			if first == nil {
				first = err
			}
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	case <-ctx.Done():
	}
	if running > 0 {
		stop(c1)
		stop(c2)
		for ; running > 0; running-- {
			<-done
		}
	}
	return result(ctx, first)
}

// bothOrContext waits for both copies, or for ctx (kwok's own rule).
func bothOrContext(ctx context.Context, done <-chan error) error {
	var first error
	for running := 2; running > 0; running-- {
		select {
		case err := <-done:
			if first == nil {
				first = err
			}
		case <-ctx.Done():
			return result(ctx, first)
		}
	}
	return result(ctx, first)
}

func result(ctx context.Context, first error) error {
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
