package source

import (
	"bytes"
	"fmt"
	"io"
)

// MaxInputBytes bounds one input. The largest estates measured (100k resources) print about
// 400 MB of preview; an input past this is not a preview or export anyone meant to check.
const MaxInputBytes = 4 << 30

// ReadAll reads one input whole. It refuses a NUL byte, which neither JSON nor Pulumi's text
// output contains (so the input is binary, or UTF-16, which PowerShell 5 writes), and more
// than MaxInputBytes. sizeHint, when positive, is the expected size (a file's). name labels
// errors as Load does.
func ReadAll(name string, r io.Reader, sizeHint int64) ([]byte, error) {
	return readAllAtMost(name, r, sizeHint, MaxInputBytes)
}

// readChunk is the most ReadAll reads at once, so a NUL byte or input past the limit is
// noticed after at most this much.
const readChunk = 64 << 20

// readAllAtMost is ReadAll with the limit as a parameter, so a test can reach it. A file
// known to be larger than the limit is refused before it is read; a stream is read in chunks
// into a buffer that never grows past the limit, so reading it holds at most twice the limit
// (the buffer and the one it grows into).
func readAllAtMost(name string, r io.Reader, sizeHint, limit int64) ([]byte, error) {
	if sizeHint > limit {
		return nil, &InputError{File: displayName(name), Expected: "at most " + byteSize(limit), Got: "a file of " + byteSize(sizeHint)}
	}
	buf := make([]byte, 0, min(max(sizeHint+1, 512), limit+1))
	for {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), limit+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), len(buf)+readChunk)])
		chunk := buf[len(buf) : len(buf)+n]
		buf = buf[:len(buf)+n]
		if bytes.IndexByte(chunk, 0) >= 0 {
			// Stops the read at once, before an endless or wrong stream (kvguard check
			// /dev/zero, a binary piped in) has exhausted memory.
			return nil, &InputError{File: displayName(name), Expected: "UTF-8 text (a Pulumi preview or export)",
				Got: "binary data or UTF-16 text (a NUL byte); re-encode UTF-16 as UTF-8"}
		}
		if int64(len(buf)) > limit {
			return nil, &InputError{File: displayName(name), Expected: "at most " + byteSize(limit), Got: "more input than that"}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, &InputError{File: displayName(name), Expected: "readable input", Err: err}
		}
	}
}

// byteSize writes a limit for people: "4 GiB", "512 bytes".
func byteSize(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d bytes", n)
}
