package api

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/idempotency"
	"github.com/ipledge/ipledge/platform/problem"
)

// idempotent makes a POST replayable under an Idempotency-Key. Without the
// header it does nothing. With it, the request runs in a unit of work: all
// its InTx calls share one transaction, and the response is stored in that
// same transaction before it commits, so a retry after a crash finds
// either both the change and its response, or neither.
func (s *Server) idempotent(c *gin.Context) {
	values := c.Request.Header.Values("Idempotency-Key")
	if len(values) == 0 {
		c.Next()
		return
	}
	key, err := idempotency.ParseKey(values)
	if err != nil {
		fail(c, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.maxUpload))
	if err != nil {
		fail(c, problem.TooLarge("the request body is larger than %d bytes", s.maxUpload))
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	p := mustPrincipal(c)
	ctx := c.Request.Context()
	fp := idempotency.Fingerprint(c.Request.Method, c.Request.URL.Path, body)
	replay, err := s.idem.Begin(ctx, p.UserID, key, c.Request.Method, c.Request.URL.Path, fp)
	if err != nil {
		fail(c, err)
		return
	}
	if replay != nil {
		c.Header("Idempotent-Replayed", "true")
		c.Abort()
		c.Data(replay.Status, replay.ContentType, replay.Body)
		return
	}

	unitCtx, unit := s.db.WithUnit(ctx)
	c.Request = c.Request.WithContext(unitCtx)
	buf := &bufferedWriter{ResponseWriter: c.Writer, status: http.StatusOK}
	c.Writer = buf
	defer func() {
		// A panic (turned into a 500 by the recoverer further out) must not
		// leave the transaction open or the key claimed.
		if r := recover(); r != nil {
			unit.Rollback()
			_ = s.idem.Release(context.WithoutCancel(ctx), p.UserID, key)
			c.Writer = buf.ResponseWriter
			panic(r)
		}
	}()
	c.Next()
	c.Writer = buf.ResponseWriter

	resp := idempotency.Response{Status: buf.status, ContentType: buf.Header().Get("Content-Type"), Body: buf.body.Bytes()}
	bg := context.WithoutCancel(ctx)
	switch {
	case resp.Status >= 500:
		// Not stored: the client may retry with the same key.
		unit.Rollback()
		_ = s.idem.Release(bg, p.UserID, key)
	case unit.Failed():
		// The business change was refused and rolled back; the refusal is
		// the response to replay.
		unit.Rollback()
		if err := s.idem.FinishAlone(bg, p.UserID, key, resp); err != nil {
			logger(c).Error("idempotency: store refusal", "err", err)
			_ = s.idem.Release(bg, p.UserID, key)
		}
	default:
		err := func() error {
			tx, err := unit.Tx(bg)
			if err != nil {
				return err
			}
			if err := s.idem.Finish(bg, tx, p.UserID, key, resp); err != nil {
				return err
			}
			return unit.Commit()
		}()
		if err != nil {
			unit.Rollback()
			_ = s.idem.Release(bg, p.UserID, key)
			buf.Header().Del("Content-Type")
			fail(c, err)
			return
		}
	}
	buf.flush()
}

// bufferedWriter holds a handler's response until the unit of work has
// committed: nothing reaches the client before the change is durable.
type bufferedWriter struct {
	gin.ResponseWriter
	status  int
	body    bytes.Buffer
	written bool
}

func (w *bufferedWriter) WriteHeader(code int) {
	if code > 0 && !w.written {
		w.status = code
	}
}
func (w *bufferedWriter) WriteHeaderNow() { w.written = true }
func (w *bufferedWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.body.Write(b)
}
func (w *bufferedWriter) WriteString(s string) (int, error) {
	w.written = true
	return w.body.WriteString(s)
}
func (w *bufferedWriter) Status() int   { return w.status }
func (w *bufferedWriter) Size() int     { return w.body.Len() }
func (w *bufferedWriter) Written() bool { return w.written }
func (w *bufferedWriter) Flush()        {}
func (w *bufferedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}

func (w *bufferedWriter) flush() {
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(w.body.Bytes())
}
