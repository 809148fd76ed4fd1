package rootfs

// Using a built root filesystem: running a command chrooted into it (as
// chroot(8) would), and installing the nakami binary into it under another
// name with the shared libraries it needs that the root lacks, the way a
// package manager pulls in dependencies (the overlay lesson's `apk add`).
// Copies, never hard links: a link would let the jail write to the host's
// program.
//
// Syscalls: clone(2)+chroot(2)+chdir(2)+execve(2) (os/exec's Chroot),
// wait4(2); mkdir(2), lstat(2), stat(2), open(2) O_CREAT|O_EXCL,
// read(2)/write(2), fchmod(2).
// Man pages: chroot(2), chroot(8), ld.so(8).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"nakami/engine"
)

// RunIn runs argv chrooted into root (working directory /) and returns what
// it printed; the operation lands in t.
func RunIn(t *engine.Transcript, root string, argv ...string) (string, error) {
	var out string
	op, err := engine.Perform(fmt.Sprintf("chroot(%q); chdir(\"/\"); execve(%q, %q)", root, argv[0], argv),
		"chroot $ROOTFS "+strings.Join(argv, " "), func() (string, error) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Path = argv[0] // resolved inside the new root, not in our PATH
			cmd.Dir = "/"
			cmd.Env = []string{"PATH=/bin", "HOME=/root", "LANG=C"}
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Pdeathsig: syscall.SIGKILL}
			err := cmd.Run()
			out = stdout.String()
			if err != nil && stderr.Len() > 0 {
				err = fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
			}
			return strings.TrimSpace(out), err
		})
	if t != nil {
		op.By = "nakami"
		t.Add(op)
	}
	return out, err
}

// InstallProgram copies the nakami binary into root as inside (e.g.
// /usr/local/bin/fetch), creating parent directories as needed, and also
// copies each library it needs that root does not hold yet, the way a
// package manager pulls in dependencies. It returns the paths it created,
// inside root.
func InstallProgram(s *engine.Session, root, inside string) ([]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the nakami binary: %w", err)
	}
	libs, err := (&LibResolver{}).Resolve(self)
	if err != nil {
		return nil, err
	}
	var created []string
	install := func(host, in string, mode os.FileMode) error {
		for d := filepath.Dir(in); d != "/"; d = filepath.Dir(d) {
			if _, err := os.Lstat(filepath.Join(root, d)); errors.Is(err, fs.ErrNotExist) {
				created = append(created, d+"/")
			}
		}
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(in)), 0o755); err != nil {
			return err
		}
		created = append(created, in)
		_, err := copyPlain(host, filepath.Join(root, in), mode)
		return err
	}
	err = s.T.Do(fmt.Sprintf("open(%q); open(%q, O_CREAT|O_EXCL); write(); fchmod(0755)", self, filepath.Join(root, inside)),
		fmt.Sprintf("install -D -m 0755 nakami %s%s   # apk add --no-cache curl", root, inside),
		func() error { return install(self, inside, 0o755) })
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, l := range libs {
		if _, err := os.Stat(filepath.Join(root, l)); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, l)
		}
	}
	err = s.T.Do(fmt.Sprintf("stat() ×%d libraries in %s: %d missing", len(libs), root, len(missing)),
		"ldd "+inside+" | while read lib; do [ -e $MERGED$lib ] || cp $lib $MERGED$lib; done",
		func() error {
			for _, l := range missing {
				if err := install(l, l, 0o755); err != nil {
					return err
				}
			}
			return nil
		})
	sort.Strings(created)
	return created, err
}

// copyPlain copies src to a new file dst (never over an existing one) with
// permission bits mode, and returns how many bytes it copied.
func copyPlain(src, dst string, mode os.FileMode) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Chmod(mode)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}
