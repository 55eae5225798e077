package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutputErrorNamesTheGivenFile(t *testing.T) {
	for _, cmd := range []string{"check", "input"} {
		t.Run(cmd, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "nonexistent-dir", "x.txt")
			stdout, stderr, code := runCLI(t, "", cmd, fixture("export-clean-dev.json"), "--output", out)
			assert.Equal(t, 2, code, "stderr: %s", stderr)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, "write "+out+": no such file or directory")
			assert.NotContains(t, stderr, ".x.txt.", "the error names the temporary file")
		})
	}
}

func TestWriteFileAtomicNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.txt")
	require.NoError(t, writeFileAtomic(path, bytes.NewReader([]byte("new\n"))))
	assertFile(t, path, "new\n", 0o644)
}

func TestWriteFileAtomicKeepsMode(t *testing.T) {
	for _, perm := range []fs.FileMode{0o600, 0o640, 0o664} {
		t.Run(perm.String(), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report.txt")
			require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o600))
			require.NoError(t, os.Chmod(path, perm))
			require.NoError(t, writeFileAtomic(path, bytes.NewReader([]byte("new\n"))))
			assertFile(t, path, "new\n", perm)
			assertNoTempFiles(t, dir)
		})
	}
}

func TestWriteFileAtomicFollowsSymlinks(t *testing.T) {
	tests := []struct {
		name string
		// link returns the path to write, a symlink set up in dir, and the file it leads to.
		link func(t *testing.T, dir string) (path, target string)
	}{
		{name: "absolute link to an existing file", link: func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "reports", "kvguard.sarif")
			writeOld(t, target)
			return symlink(t, target, filepath.Join(dir, "out.sarif")), target
		}},
		{name: "relative link into another directory", link: func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "reports", "kvguard.sarif")
			writeOld(t, target)
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "ci"), 0o755))
			return symlink(t, filepath.Join("..", "reports", "kvguard.sarif"), filepath.Join(dir, "ci", "out.sarif")), target
		}},
		{name: "chain of links", link: func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "reports", "kvguard.sarif")
			writeOld(t, target)
			symlink(t, target, filepath.Join(dir, "mid.sarif"))
			return symlink(t, "mid.sarif", filepath.Join(dir, "out.sarif")), target
		}},
		{name: "link to a file not created yet", link: func(t *testing.T, dir string) (string, string) {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "reports"), 0o755))
			target := filepath.Join(dir, "reports", "kvguard.sarif")
			return symlink(t, filepath.Join("reports", "kvguard.sarif"), filepath.Join(dir, "out.sarif")), target
		}},
		{name: "link through a linked directory", link: func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "real", "kvguard.sarif")
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "real", "sub"), 0o755))
			symlink(t, filepath.Join("real", "sub"), filepath.Join(dir, "sub"))
			// sub/../kvguard.sarif is real/kvguard.sarif to the kernel, dir/kvguard.sarif to a
			// lexical clean.
			return symlink(t, filepath.Join("..", "kvguard.sarif"), filepath.Join(dir, "sub", "out.sarif")), target
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path, target := tc.link(t, dir)
			require.NoError(t, writeFileAtomic(path, bytes.NewReader([]byte("new\n"))))
			fi, err := os.Lstat(path)
			require.NoError(t, err)
			assert.NotZero(t, fi.Mode()&fs.ModeSymlink, "got the symlink %q replaced by a file", path)
			got, err := os.ReadFile(target)
			require.NoError(t, err, "the link's target was not written")
			assert.Equal(t, "new\n", string(got))
			assertFile(t, path, "new\n", 0o644)
		})
	}
}

func TestWriteFileAtomicRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	err := writeFileAtomic(dir, bytes.NewReader([]byte("x")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a directory")
	assert.NotContains(t, err.Error(), dir, "callers name the file")
}

func TestWriteFileAtomicFailureLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.txt")
	writeOld(t, path)
	// A loop of links cannot be resolved; the write must fail before touching anything.
	loop := filepath.Join(dir, "loop")
	symlink(t, "loop", loop)
	require.Error(t, writeFileAtomic(loop, bytes.NewReader([]byte("new\n"))))
	assertFile(t, path, "old\n", 0o644)
	assertNoTempFiles(t, dir)
}

func writeOld(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))
}

func symlink(t *testing.T, target, link string) string {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks not available: %v", err)
	}
	return link
}

func assertFile(t *testing.T, path, content string, perm fs.FileMode) {
	t.Helper()
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, content, string(got))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, perm, fi.Mode().Perm(), "got mode %v, want %v", fi.Mode().Perm(), perm)
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	var left []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			left = append(left, p)
		}
		return err
	}))
	assert.Empty(t, left, "temporary files left behind")
}

// withTenantID is the clean dev export with the vault's tenantId set to v, which KV-006 quotes
// in its failure message.
func withTenantID(t *testing.T, v string) string {
	t.Helper()
	data, err := os.ReadFile(fixture("export-clean-dev.json"))
	require.NoError(t, err)
	quoted, err := json.Marshal(v)
	require.NoError(t, err)
	const tenant = `"9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"`
	require.Contains(t, string(data), tenant)
	return strings.ReplaceAll(string(data), tenant, string(quoted))
}

func TestReportEscapesInput(t *testing.T) {
	const injection = "evil\n::error file=x.go,line=1::INJECTED \u001b[31mRED"
	t.Run("text", func(t *testing.T) {
		stdout, stderr, code := runCLI(t, withTenantID(t, injection), "check", "-", "--now", "2026-12-03", "-f", "text")
		require.Equal(t, 1, code, "stderr: %s", stderr)
		assert.NotContains(t, stdout, "\x1b")
		for _, l := range strings.Split(stdout, "\n") {
			assert.False(t, strings.HasPrefix(l, "::"), "got a workflow command line %q", l)
		}
		assert.Contains(t, stdout, `has the tenant id 'evil\n::error file=x.go,line=1::INJECTED \x1b[31mRED', which is not a GUID.`)
	})
	t.Run("markdown", func(t *testing.T) {
		stdout, stderr, code := runCLI(t, withTenantID(t, injection+" [click](https://evil.example) @org/team"), "check", "-", "--now", "2026-12-03", "-f", "markdown")
		require.Equal(t, 1, code, "stderr: %s", stderr)
		assert.NotContains(t, stdout, "\x1b")
		assert.NotContains(t, stdout, "[click](")
		assert.NotContains(t, stdout, "@org")
		assert.Contains(t, stdout, `evil ::error file=x.go,line=1::INJECTED \\x1b\[31mRED \[click\]\(https://evil.example\) @`+"\u200b"+`org/team`)
	})
}

// A report is kept in blocks while it is rendered; written out, it is the bytes written in,
// in order, across block boundaries, as often as it is written.
func TestRenderedReportKeepsTheBytesInOrder(t *testing.T) {
	var want bytes.Buffer
	var r renderedReport
	for i, size := range []int{0, 1, reportBlockSize - 1, 2, reportBlockSize, 3*reportBlockSize + 5, 7} {
		p := bytes.Repeat([]byte{byte('a' + i)}, size)
		n, err := r.Write(p)
		require.NoError(t, err)
		require.Equal(t, size, n)
		want.Write(p)
	}
	for range 2 {
		var got bytes.Buffer
		n, err := r.WriteTo(&got)
		require.NoError(t, err)
		assert.Equal(t, int64(want.Len()), n)
		assert.True(t, bytes.Equal(want.Bytes(), got.Bytes()), "written report differs from what was rendered")
	}
	for _, b := range r.blocks {
		assert.LessOrEqual(t, len(b), reportBlockSize)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestRenderedReportStopsAtAWriteError(t *testing.T) {
	var r renderedReport
	_, err := r.Write(make([]byte, 2*reportBlockSize+1))
	require.NoError(t, err)
	n, err := r.WriteTo(&failingWriter{after: 1})
	require.EqualError(t, err, "disk full")
	assert.Equal(t, int64(reportBlockSize), n)
}
