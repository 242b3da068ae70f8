package httpstatus

import "net/http"

// Recorder remembers the status a handler wrote, for the audit and request
// logs of both faces. It keeps streaming working: Flush passes through, and
// Unwrap lets http.ResponseController reach the underlying writer.
type Recorder struct {
	http.ResponseWriter
	status int
}

func (s *Recorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *Recorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *Recorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Recorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Status is the status written so far; 200 if the handler wrote nothing.
func (s *Recorder) Status() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}
