#!/usr/bin/env bash
# vm-test.sh: every lesson and the kernel tests on the kernels learners have.
#
# Boots throw-away qemu VMs (TCG: no KVM needed) from Debian's own kernel
# (linux-image-amd64, its defaults: transparent huge pages "always") with a
# busybox initramfs holding the freshly built nakami, the modules the
# lessons load (llc, stp, bridge, veth, overlay), the tools the lessons
# compare with (busybox's sh and ps, iproute2's ip, util-linux's unshare and
# nsenter, libcap's capsh, setcap and getcap) and the kernel tests compiled
# with `go test -c`. scripts/vm/init runs inside. One VM per configuration:
#
#   v2  pure cgroup v2, as systemd mounts it (every controller, init.scope)
#   v1  v1 controllers only, no cgroup2 (systemd.unified_cgroup_hierarchy=0)
#
# Results come back on the serial console as "@@nakami-vm result NAME rc=N"
# lines; the script fails unless every lesson and test said rc=0 in every
# configuration. The initramfs's base (busybox, modules, tools) is cached in
# $NAKAMI_VM_CACHE (default /var/cache/nakami-vm); logs go to
# $NAKAMI_VM_OUT (default /var/tmp/nakami-vm/out).
#
#   scripts/vm-test.sh [CONFIG...]          default: v2 v1
#   NAKAMI_VM_TESTS="cgroup child" ...      which packages' tests (default below;
#                                           "none" for lessons only)
#   NAKAMI_VM_LESSONS=cgroups,network ...   which lessons (default all; "none")
#   NAKAMI_VM_TESTARGS="-test.run=^$" ...    more arguments for every test binary
#   NAKAMI_VM_APPEND="transparent_hugepage=never" ...   more kernel arguments
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cache=${NAKAMI_VM_CACHE:-/var/cache/nakami-vm}
out=${NAKAMI_VM_OUT:-/var/tmp/nakami-vm/out}
tests=${NAKAMI_VM_TESTS:-"engine/cgroup engine/child engine/caps engine/netlab engine/overlay engine/rootfs"}
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(v2 v1)
export PATH="$PATH:/usr/local/go/bin"

say() { echo "vm-test: $*"; }

# ---- what the VMs are made of ------------------------------------------------
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v cpio >/dev/null || need+=(cpio)
# a static busybox: ldd refuses it ("not a dynamic executable")
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then need+=(busybox-static); fi
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || need+=(linux-image-amd64)
for t in ip:iproute2 unshare:util-linux capsh:libcap2-bin; do
	command -v "${t%%:*}" >/dev/null || need+=("${t#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]} (the kernel package is only read, never booted here)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
kernel=$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -1)
kver=${kernel#/boot/vmlinuz-}
mods=/lib/modules/$kver
[ -d "$mods" ] || { say "no $mods for $kernel"; exit 3; }

# copy_elf ROOT FILE [DEST]: a program and the shared libraries it loads,
# at the same paths (DEST: where the program goes inside).
copy_elf() {
	local root=$1 file=$2 dest=${3:-$2}
	install -D -m 0755 "$(readlink -f "$file")" "$root$dest"
	ldd "$file" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

# The base: busybox, modules, tools. Cached by kernel and by this script.
key=$(cat "$0" /bin/busybox "$mods/modules.dep" "$(command -v ip)" | sha256sum | cut -c1-16)
base=$cache/base-$kver-$key.cpio
if [ ! -s "$base" ]; then
	say "building the initramfs base for $kver in $cache"
	mkdir -p "$cache"
	rm -f "$cache"/base-*.cpio
	tmp=$(mktemp -d /var/tmp/nakami-vm-base.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,usr/bin,usr/sbin,usr/lib,usr/lib64,lib/modules/"$kver"}
	ln -s usr/lib64 "$tmp/lib64"
	cp /bin/busybox "$tmp/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$tmp/bin/$a"
	done
	for m in llc stp bridge veth overlay; do
		find "$mods" -name "$m.ko" -exec cp {} "$tmp/lib/modules/$kver/" \;
	done
	for t in ip unshare nsenter capsh setcap getcap; do
		p=$(command -v "$t")
		copy_elf "$tmp" "$p" "/usr/${p#/usr/}"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$tmp/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
	(cd "$tmp" && find . -mindepth 1 | cpio -o -H newc -R 0:0 --quiet) >"$base.part"
	mv "$base.part" "$base"
	rm -rf "$tmp"
	trap - EXIT
fi

# The run: this tree's nakami and test binaries, and the init. The kernel
# unpacks the two archives one after the other.
work=$(mktemp -d /var/tmp/nakami-vm-run.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/usr/local/bin" "$work/root/tests/src"
say "building nakami and the kernel tests ($tests)"
go build -o "$work/nakami" ./cmd/nakami
copy_elf "$work/root" "$work/nakami" /usr/local/bin/nakami
if [ "$tests" != none ]; then
	for pkg in $tests; do
		name=$(basename "$pkg")
		go test -c -o "$work/$name.test" "./$pkg"
		copy_elf "$work/root" "$work/$name.test" "/tests/$name.test"
		mkdir -p "$work/root/tests/src/$name"
		[ -d "$pkg/testdata" ] && cp -a "$pkg/testdata" "$work/root/tests/src/$name/"
	done
	# the start-up charge of a child, on this kernel's defaults
	if [ -e "$work/root/tests/cgroup.test" ]; then
		echo "-test.bench=StartCharge -test.benchtime=5x" >"$work/root/tests/cgroup.args"
		# the v2 driver's own test needs a cgroup2 mount: the v2 VM runs it
		echo "-test.skip=^TestCgroupV2Unified\$" >"$work/root/tests/cgroup.args.v1"
	fi
	for f in "$work/root/tests/"*.test; do
		n=$(basename "$f" .test)
		[ -z "${NAKAMI_VM_TESTARGS:-}" ] || echo "$NAKAMI_VM_TESTARGS" >>"$work/root/tests/$n.args"
	done
fi
install -m 0755 scripts/vm/init "$work/root/init"
(cd "$work/root" && find . -mindepth 1 | cpio -o -H newc -R 0:0 --quiet) >"$work/run.cpio"
cat "$base" "$work/run.cpio" >"$work/initramfs.cpio"

# ---- the matrix ---------------------------------------------------------------
mkdir -p "$out"
failed=0
for cfg in "${configs[@]}"; do
	case "$cfg" in
	v2) args="" ;;
	v1) args="systemd.unified_cgroup_hierarchy=0" ;;
	*) say "unknown configuration $cfg (v2 or v1)"; exit 2 ;;
	esac
	log=$out/$cfg.log
	say "$cfg: booting $kver under TCG (log: $log)"
	start=$(date +%s)
	timeout 600 qemu-system-x86_64 -machine pc -accel tcg -cpu max -smp 2 -m 1536 \
		-nodefaults -no-user-config -display none -nic none -no-reboot \
		-serial "file:$log" -kernel "$kernel" -initrd "$work/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet nakami.cg=$cfg nakami.lessons=${NAKAMI_VM_LESSONS:-all} $args ${NAKAMI_VM_APPEND:-}" || true
	secs=$(($(date +%s) - start))
	results=$(grep -a '^@@nakami-vm result' "$log" || true)
	ok=$(grep -c 'rc=0 ' <<<"$results" || true)
	bad=$(grep -v 'rc=0 ' <<<"$results" | grep -c . || true)
	grep -a '^@@nakami-vm \(boot\|fail\|done\)' "$log" | sed "s/^@@nakami-vm/  $cfg:/"
	grep -a 'B-charged/start' "$log" | sed "s/^/  $cfg: /" || true
	for f in "$work/root/tests/"*.args."$cfg"; do
		[ -e "$f" ] && echo "  $cfg: not run here: $(basename "$f" ".args.$cfg") $(cat "$f")"
	done
	grep -v 'rc=0 ' <<<"$results" | sed "s/^@@nakami-vm result/  $cfg: FAILED/" || true
	if ! grep -aq '^@@nakami-vm done' "$log" || [ "$bad" -ne 0 ] || grep -aq '^@@nakami-vm fail' "$log"; then
		say "$cfg: FAILED in ${secs}s ($ok passed, $bad failed; the VM's console is in $log)"
		grep -a -B2 -A2 '✗\|--- FAIL\|^FAIL\|panic:\|Out of memory\|out of memory' "$log" | tail -40 || true
		failed=1
	else
		say "$cfg: $ok passed, 0 failed in ${secs}s"
	fi
done
exit $failed
