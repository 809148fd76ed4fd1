package container

// --image: a `docker export` tarball (the root filesystem, flat) or a
// `docker save` tarball (manifest.json naming layer tarballs, applied in
// order, with AUFS whiteouts: .wh.NAME removes NAME from the layers below,
// .wh..wh..opq empties a directory of them) unpacked into the session as
// one journaled directory. Every name must stay inside the directory: no
// absolute paths, no "..", and no component that is a symlink (which could
// lead the next entry out); set-user-ID and set-group-ID bits are dropped
// and device nodes skipped, since the tree sits on the host's disk.
//
// Syscalls: open(2)/read(2)/write(2), mkdir(2), symlink(2), link(2),
// lchown(2), lstat(2), unlinkat(2). Man pages: tar(5), path_resolution(7),
// the OCI image spec's layer.md ("Whiteouts").

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"nakami/engine"
)

// Unpack makes <session temp dir>/image and fills it from tarball.
func Unpack(s *engine.Session, tarball string) (string, error) {
	tmp, err := s.TempDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(tmp, "image")
	if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindDir, Path: dir}); err != nil {
		return "", err
	}
	if err := s.T.Do(fmt.Sprintf("mkdir(%q, 0755)", dir), "mkdir $ROOTFS", func() error { return os.Mkdir(dir, 0o755) }); err != nil {
		return "", err
	}
	var manifest []struct{ Layers []string }
	err = s.T.Do(fmt.Sprintf("read(%q) → tar entries → %s", tarball, dir), "tar -C $ROOTFS -xf "+tarball, func() error {
		if b, ok, err := member(tarball, "manifest.json"); err != nil {
			return err
		} else if ok {
			if err := json.Unmarshal(b, &manifest); err != nil || len(manifest) == 0 {
				return fmt.Errorf("%s has a manifest.json that names no image", tarball)
			}
		}
		if manifest == nil { // docker export
			return extractFile(dir, tarball, "")
		}
		for _, l := range manifest[0].Layers {
			if err := extractFile(dir, tarball, l); err != nil {
				return fmt.Errorf("layer %s: %w", l, err)
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("cannot unpack %s: %w", tarball, err)
	}
	for _, d := range []string{"proc", "dev", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// member reads one small file of the outer tarball.
func member(tarball, name string) ([]byte, bool, error) {
	f, err := os.Open(tarball)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	tr := tar.NewReader(bufio.NewReader(f))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("not a tarball: %w", err)
		}
		if filepath.Clean(h.Name) == name {
			b, err := io.ReadAll(io.LimitReader(tr, 1<<20))
			return b, true, err
		}
	}
}

// extractFile applies the tarball (layer "") or its member layer to dir.
func extractFile(dir, tarball, layer string) error {
	open := func() (io.Reader, func(), error) {
		f, err := os.Open(tarball)
		if err != nil {
			return nil, nil, err
		}
		var r io.Reader = bufio.NewReader(f)
		if layer != "" {
			tr := tar.NewReader(r)
			for {
				h, err := tr.Next()
				if err != nil {
					f.Close()
					return nil, nil, fmt.Errorf("the manifest names %s, which is not in the tarball", layer)
				}
				if filepath.Clean(h.Name) == filepath.Clean(layer) {
					r = tr
					break
				}
			}
		}
		br := bufio.NewReader(r)
		if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			z, err := gzip.NewReader(br)
			if err != nil {
				f.Close()
				return nil, nil, err
			}
			return z, func() { f.Close() }, nil
		}
		return br, func() { f.Close() }, nil
	}
	// Whiteouts first (they hide the layers below, not this one), then the
	// entries.
	for pass := 0; pass < 2; pass++ {
		r, done, err := open()
		if err != nil {
			return err
		}
		err = applyLayer(dir, tar.NewReader(r), pass == 0)
		done()
		if err != nil {
			return err
		}
	}
	return nil
}

func applyLayer(dir string, tr *tar.Reader, whiteouts bool) error {
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := inside(dir, h.Name)
		if err != nil || rel == "" {
			if err != nil {
				return err
			}
			continue
		}
		base, parent := filepath.Base(rel), filepath.Dir(rel)
		isWh := strings.HasPrefix(base, ".wh.")
		if whiteouts != isWh {
			continue
		}
		if isWh {
			if base == ".wh..wh..opq" {
				ents, _ := os.ReadDir(filepath.Join(dir, parent))
				for _, e := range ents {
					os.RemoveAll(filepath.Join(dir, parent, e.Name()))
				}
			} else {
				os.RemoveAll(filepath.Join(dir, parent, strings.TrimPrefix(base, ".wh.")))
			}
			continue
		}
		if err := writeEntry(dir, rel, h, tr); err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
	}
}

// inside returns name relative to dir, refusing names that leave it.
func inside(dir, name string) (string, error) {
	clean := filepath.Clean("/" + name)[1:]
	if strings.HasPrefix(filepath.Clean(name), "..") || filepath.IsAbs(name) && clean == "" {
		return "", fmt.Errorf("the entry %q leaves the root filesystem", name)
	}
	// No component above the entry may be a symlink: it could point out.
	p := dir
	parts := strings.Split(clean, "/")
	for _, part := range parts[:len(parts)-1] {
		p = filepath.Join(p, part)
		if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSymlink != 0 {
			return "", fmt.Errorf("the entry %q goes through the symlink %s", name, strings.TrimPrefix(p, dir))
		}
	}
	return clean, nil
}

func writeEntry(dir, rel string, h *tar.Header, r io.Reader) error {
	path := filepath.Join(dir, rel)
	mode := os.FileMode(h.Mode) & 0o1777 // no set-user-ID or set-group-ID on the host's disk
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	switch h.Typeflag {
	case tar.TypeDir:
		if err := os.Mkdir(path, mode); err != nil && !os.IsExist(err) {
			return err
		}
		os.Chmod(path, mode)
	case tar.TypeReg:
		os.Remove(path)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, mode)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, r)
		f.Close()
		if err != nil {
			return err
		}
		os.Chmod(path, mode)
	case tar.TypeSymlink:
		os.Remove(path)
		if err := os.Symlink(h.Linkname, path); err != nil {
			return err
		}
	case tar.TypeLink:
		target, err := inside(dir, h.Linkname)
		if err != nil {
			return err
		}
		os.Remove(path)
		if err := os.Link(filepath.Join(dir, target), path); err != nil {
			return err
		}
	default:
		return nil // devices, FIFOs: /dev is a fresh tmpfs anyway
	}
	return os.Lchown(path, h.Uid, h.Gid)
}
