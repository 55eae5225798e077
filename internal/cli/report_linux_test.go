package cli

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteFileAtomicWritesIntoPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "report.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		data, _ := io.ReadAll(f)
		got <- string(data)
	}()
	require.NoError(t, writeFileAtomic(fifo, bytes.NewReader([]byte("report\n"))))
	select {
	case data := <-got:
		assert.Equal(t, "report\n", data)
	case <-time.After(10 * time.Second):
		t.Fatal("nothing was written into the pipe")
	}
	fi, err := os.Lstat(fifo)
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&fs.ModeNamedPipe, "got the pipe replaced by a file")
}

// /dev/fd/N (like /dev/stdout) can name a regular file the process already has open, such as
// a shell redirection; the report must go into that open file, not replace the file by name.
func TestWriteFileAtomicWritesIntoOpenFile(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stdout")
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteString("old\n")
	require.NoError(t, err)
	path := fmt.Sprintf("/dev/fd/%d", f.Fd())
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no /dev/fd: %v", err)
	}
	require.NoError(t, writeFileAtomic(path, bytes.NewReader([]byte("report\n"))))
	_, err = f.Seek(0, io.SeekStart)
	require.NoError(t, err)
	data, err := io.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, "report\n", string(data), "got the open file left alone")
}

// -o /dev/stdout writes into standard output as the process has it: after what a shell's >>
// left in the file, not over it (opened again by name and truncated, the file was emptied).
func TestWriteFileAtomicAppendsToStdoutAsOpened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	require.NoError(t, os.WriteFile(path, []byte("HEADER\n"), 0o644))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	defer f.Close()
	stdout := os.Stdout
	os.Stdout = f
	t.Cleanup(func() { os.Stdout = stdout })
	for _, name := range []string{"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"} {
		require.NoError(t, writeFileAtomic(name, bytes.NewReader([]byte(name+"\n"))))
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "HEADER\n/dev/stdout\n/dev/fd/1\n/proc/self/fd/1\n", string(data))
}
