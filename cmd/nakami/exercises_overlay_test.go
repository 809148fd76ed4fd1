package main

// The overlay lesson's exercises, done with mkdir, mknod, echo and mount
// (util-linux) the way a learner does them, in the test's temporary
// directory, unmounted even when the test fails.

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// ovDirs makes DIR/name for each name under a new temporary directory.
func ovDirs(t *testing.T, names ...string) string {
	t.Helper()
	d := t.TempDir()
	for _, n := range names {
		sh(t, "mkdir -p "+filepath.Join(d, n))
	}
	return d
}

// mountOverlay mounts an overlay on merged with opts, unmounted when the
// test ends (before its directory is removed).
func mountOverlay(t *testing.T, opts, merged string) {
	t.Helper()
	sh(t, "mount -t overlay -o "+opts+" overlay "+merged)
	t.Cleanup(func() { exec.Command("umount", merged).Run() })
}

func TestExerciseWhiteout(t *testing.T) {
	learner(t, "mount", "umount", "mknod")
	before := snapshot(t)
	const id = "overlay/whiteout"
	check(t, 1, []string{"no overlay is mounted"}, id)

	d := ovDirs(t, "lower", "upper", "work", "merged")
	sh(t, "cd "+d+" && echo hello > lower/hello.txt && echo goodbye > lower/goodbye.txt")
	opts := "lowerdir=" + d + "/lower,upperdir=" + d + "/upper,workdir=" + d + "/work"
	// Near misses: a whiteout of a name no lower directory has, and a
	// character device that is not 0/0.
	sh(t, "mknod "+d+"/upper/ghost c 0 0 && mknod "+d+"/upper/null c 1 3")
	mountOverlay(t, opts, d+"/merged")
	check(t, 1, []string{d + "/upper/ghost is a whiteout, but no lower directory", d + "/upper/null is a character device 1/3, not 0/0"}, id)
	sh(t, "umount "+d+"/merged")

	sh(t, "mknod "+d+"/upper/goodbye.txt c 0 0")
	mountOverlay(t, opts, d+"/merged")
	check(t, 0, []string{d + "/upper/goodbye.txt is a character device 0/0 hiding " + d + "/lower/goodbye.txt", d + "/merged/goodbye.txt does not exist"}, id)
	if o := check(t, 0, nil, id, "--lang", "ja"); !netHasAll(o.stdout, "キャラクタデバイス 0/0") {
		t.Errorf("--lang ja:\n%s", o.stdout)
	}

	// Mounted with relative paths, nakami cannot tell where the layers are.
	sh(t, "umount "+d+"/merged")
	sh(t, "cd "+d+" && mount -t overlay -o lowerdir=lower,upperdir=upper,workdir=work overlay merged")
	check(t, 1, []string{"relative to the shell that mounted it"}, id)

	// Undo.
	sh(t, "umount "+d+"/merged")
	check(t, 1, []string{"no overlay is mounted"}, id)

	// The lesson's own whiteout, kept, is not a solution.
	if o := nakami(t, nil, "run", "overlay/whiteout", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	check(t, 1, []string{"was made by nakami"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed mount")
}

func TestExerciseTwoLowers(t *testing.T) {
	learner(t, "mount", "umount")
	before := snapshot(t)
	const id = "overlay/two-lowers"
	d := ovDirs(t, "layer1", "layer2", "upper", "work", "merged")
	sh(t, "cd "+d+" && echo 'from LAYER1' > layer1/motd && echo 'from LAYER1' > layer2/motd")

	// Near miss: one lower directory only, the upper file hiding it.
	sh(t, "echo 'from upper' > "+d+"/upper/motd")
	mountOverlay(t, "lowerdir="+d+"/layer1,upperdir="+d+"/upper,workdir="+d+"/work", d+"/merged")
	check(t, 1, []string{"has 1 lower directory (lowerdir=" + d + "/layer1); it needs two or more"}, id)
	sh(t, "umount "+d+"/merged && rm "+d+"/upper/motd")

	// Near miss: two layers, the same bytes in both.
	two := "lowerdir=" + d + "/layer2:" + d + "/layer1,upperdir=" + d + "/upper,workdir=" + d + "/work"
	mountOverlay(t, two, d+"/merged")
	check(t, 1, []string{d + "/layer2/motd and " + d + "/layer1/motd hold the same bytes"}, id)
	sh(t, "umount "+d+"/merged")

	sh(t, "echo 'from LAYER2' > "+d+"/layer2/motd")
	mountOverlay(t, two, d+"/merged")
	check(t, 0, []string{d + "/layer2/motd hides " + d + "/layer1/motd", d + `/merged/motd shows its content "from LAYER2"`}, id)

	// Undo.
	sh(t, "umount "+d+"/merged")
	check(t, 1, []string{"no overlay is mounted"}, id)

	// The lesson's own image (LAYER2 over LAYER1), kept, is not a solution.
	if o := nakami(t, nil, "run", "overlay/image", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	check(t, 1, []string{"was made by nakami"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed mount")
}
