// Package httpx holds small net/http helpers shared by the metrics and the
// web pages.
package httpx

import "net/http"

// StatusRecorder remembers the status a handler wrote (200 when it wrote a
// body without one).
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

// WriteHeader records the first status.
func (w *StatusRecorder) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *StatusRecorder) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *StatusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Code is the recorded status, 200 if none was written.
func (w *StatusRecorder) Code() int {
	if w.Status == 0 {
		return http.StatusOK
	}
	return w.Status
}
