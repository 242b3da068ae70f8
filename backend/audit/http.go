package audit

import "net/http"

// Writer wraps a request's http.ResponseWriter so that the event is
// recorded the moment the handler begins its answer, before any of it
// reaches the client: a client that reads the log right after its answer
// (a page reload, the next command) finds its change there. Handlers say
// how a request ended (Err, Refuse) before they answer, which they do
// anyway to choose the answer.
type Writer struct {
	http.ResponseWriter
	record   func(status int)
	recorded bool
}

// NewWriter wraps w; record is called once, with the answer's status.
func NewWriter(w http.ResponseWriter, record func(status int)) *Writer {
	return &Writer{ResponseWriter: w, record: record}
}

func (w *Writer) fire(status int) {
	if !w.recorded {
		w.recorded = true
		w.record(status)
	}
}

func (w *Writer) WriteHeader(code int) {
	if code >= 200 {
		w.fire(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *Writer) Write(b []byte) (int, error) {
	w.fire(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Flush keeps streaming answers streaming.
func (w *Writer) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Finish records the request if the handler answered nothing at all,
// which net/http sends as 200.
func (w *Writer) Finish() { w.fire(http.StatusOK) }
