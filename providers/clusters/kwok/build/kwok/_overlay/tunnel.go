// Package net: this file replaces kwok's pkg/utils/net/tunnel.go when
// build.sh builds kwok (go build -overlay), so that port-forwards and
// execs through the local cluster end as they end on a real node.
//
// kwok's Tunnel returned only once both directions had ended. When a dev
// server restarts, its side of a forwarded connection closes, but the
// client's side stays open, waiting for an answer that can no longer come:
// the connection hung until the client gave up (30 s for a browser's
// fetch). containerd, which serves port-forwards on real nodes, waits for
// the first direction to end, gives the other one second to finish, and
// then closes both; this does the same, and returns once both copies have
// stopped (so the callers' buffers are no longer in use), or a second
// later for a copy that closing does not stop.
package net

import (
	"context"
	"errors"
	"io"
	"time"
)

// drainGrace is how long the other direction may go on after one has ended.
const drainGrace = time.Second

// Tunnel copies c1 to c2 and c2 to c1 until one direction ends (then the
// other gets drainGrace to finish) or ctx is done. It returns the first
// copy error, or ctx's error unless it was cancelled.
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
		// Closing both ends unblocks the copies still reading or writing. One
		// that reads from something without Close (an exec's stdin) is left
		// to end with its request, as kwok's Tunnel left it.
		closeIfCloser(c1)
		closeIfCloser(c2)
		timer := time.NewTimer(drainGrace)
		defer timer.Stop()
		for ; running > 0; running-- {
			select {
			case <-done:
			case <-timer.C:
				running = 0
			}
		}
	}
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func closeIfCloser(c io.ReadWriter) {
	if closer, ok := c.(io.Closer); ok {
		_ = closer.Close()
	}
}
