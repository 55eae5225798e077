package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kvguard/kvguard/internal/source"
)

// The files the commands read and write: inputs through source.ReadAll's guards, outputs
// replaced atomically, and no output allowed to land on another file the command uses.

// readInput reads FILE, or stdin for "-", through source.ReadAll's guards.
func readInput(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		return source.ReadAll(name, stdin, 0)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if info.IsDir() {
		return nil, &source.InputError{File: name, Expected: "a file", Got: "a directory"}
	}
	return source.ReadAll(name, f, info.Size())
}

// distinctFiles refuses two flags that name the same file (the same path, or two links to one
// file) where at least one of them is written: one write would silently replace the other, or
// the report its own input. files maps a flag's spelling ("--output", "input") to its path;
// empty paths and "-" are left out.
func distinctFiles(files map[string]string, written ...string) error {
	names := slices.Sorted(maps.Keys(files))
	for i, a := range names {
		for _, b := range names[i+1:] {
			if !slices.Contains(written, a) && !slices.Contains(written, b) {
				continue
			}
			if sameFile(files[a], files[b]) {
				return badInput(fmt.Errorf("%s and %s name the same file %q: expected different files", a, b, files[a]))
			}
		}
	}
	return nil
}

func sameFile(a, b string) bool {
	if a == "" || b == "" || a == "-" || b == "-" {
		return false
	}
	if ia, err := os.Stat(a); err == nil {
		if ib, err := os.Stat(b); err == nil {
			return os.SameFile(ia, ib)
		}
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// writeFileAtomic replaces the file at path with content through a temporary file in the same
// directory, so a reader never sees half a report and a failed write leaves the old file
// alone. The user named path, so the replacement keeps what the user set up there: a symlink
// is written through (its target is replaced, the link stays), an existing file keeps its
// permissions (a new one gets 0644), and a device or pipe such as /dev/stdout, which cannot be
// renamed over, is written into.
//
// The error names no file, only the cause: callers name path, the file the user gave, never
// the temporary file, which the user did not ask for and which is gone by then.
func writeFileAtomic(path string, content io.WriterTo) error {
	if err := writeFile(path, content); err != nil {
		return errCause(err)
	}
	return nil
}

// writeFile is writeFileAtomic with the errors as the file system gives them.
func writeFile(path string, content io.WriterTo) error {
	if stream := ownStream(path); stream != nil {
		// Written into the stream as the process has it, at its offset and in its mode:
		// opened again by name it would start at offset 0 and, truncated, empty a file a
		// shell is appending the command's output to (kvguard ... -o /dev/stdout >> log).
		_, err := content.WriteTo(stream)
		return err
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && isDevicePath(path):
		// /dev/fd/3 redirected to a file is a regular file too, but the user meant the
		// stream, not a file to replace. (Standard output and error are ownStream's.)
		return writeInPlace(path, content)
	case errors.Is(err, fs.ErrNotExist):
		target, err := linkTarget(path)
		if err != nil {
			return err
		}
		return replaceFile(target, 0o644, content)
	case err != nil:
		return err
	case fi.IsDir():
		return errors.New("is a directory, expected a file name")
	case !fi.Mode().IsRegular():
		return writeInPlace(path, content)
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	return replaceFile(target, fi.Mode().Perm(), content)
}

// ownStream returns the process's standard output or error when path names it
// (/dev/stdout, /dev/fd/1, /proc/self/fd/2, ...), and nil otherwise.
func ownStream(path string) *os.File {
	switch filepath.ToSlash(filepath.Clean(path)) {
	case "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return os.Stdout
	case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2":
		return os.Stderr
	}
	return nil
}

// isDevicePath reports whether path names a stream of this process (/dev/stdout, /dev/fd/3,
// /proc/self/fd/1) or another device file, which are written into, never replaced.
func isDevicePath(path string) bool {
	path = filepath.ToSlash(filepath.Clean(path))
	return strings.HasPrefix(path, "/dev/") || strings.HasPrefix(path, "/proc/")
}

// maxLinks bounds how many symlinks linkTarget follows, as the kernel does (ELOOP).
const maxLinks = 40

// linkTarget returns where writing the missing file path creates a file: path itself, or, when
// path is a symlink to a file not created yet, the end of the link chain, as the shell's > does.
func linkTarget(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink == 0) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			// Split, not Dir: Dir cleans "a/b/../c" to "a/c", which is another file when b is
			// itself a symlink; the kernel resolves the uncleaned path correctly.
			dir, _ := filepath.Split(path)
			link = dir + link
		}
		path = link
	}
	return "", errors.New("too many levels of symbolic links")
}

// replaceFile writes content to a temporary file next to target and renames it over target.
func replaceFile(target string, perm fs.FileMode, content io.WriterTo) error {
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := content.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	// CreateTemp makes the file 0600; chmod rather than umask decides, as before.
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

// writeInPlace writes content into an existing file that is not a regular file.
func writeInPlace(path string, content io.WriterTo) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = content.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// errCause strips the operation and file name from a file system error, leaving the cause
// ("no such file or directory"), so the caller can name the file the user gave instead.
func errCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// renderedReport holds a rendered report until it is written, in blocks that are never
// copied as it grows: a large estate's JSON report is hundreds of megabytes (184 MB at 100k
// resources), and a bytes.Buffer doubling to that size cleared and copied it again at every
// step (0.8 s at 100k). The report is rendered whole before any of it is written, so a
// failure to render leaves stdout and the output file as they were.
type renderedReport struct {
	blocks [][]byte
}

// reportBlockSize is the size of each block: large enough that a 200 MB report takes a few
// hundred, small enough that a small report wastes little.
const reportBlockSize = 1 << 20

func (r *renderedReport) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(r.blocks) == 0 || len(r.blocks[len(r.blocks)-1]) == reportBlockSize {
			r.blocks = append(r.blocks, make([]byte, 0, reportBlockSize))
		}
		last := &r.blocks[len(r.blocks)-1]
		k := min(len(p), reportBlockSize-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

// WriteTo writes the report to w; it can be written again.
func (r *renderedReport) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for _, b := range r.blocks {
		n, err := w.Write(b)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
