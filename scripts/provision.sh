#!/usr/bin/env bash
# provision.sh: make a Debian or Ubuntu machine ready for nakami, build it
# and install it to /usr/local/bin. Run as root, from anywhere in the
# repository. Idempotent: a second run installs nothing and rebuilds only
# when the source changed (same binary, same place).
#
# What it installs (apt): what the lessons and their comparisons use —
# gcc and libc6-dev (the C constructor), busybox-static (busybox roots),
# iproute2, util-linux, libcap2-bin, iputils-ping, procps, tmux, git.
#
# Go: go.mod's version or newer. An existing /usr/local/go or go on PATH
# that is new enough is used as it is. Otherwise the pinned release below is
# installed to /usr/local/go from the Go module proxy as the module
# golang.org/toolchain (the form the go command itself downloads toolchains
# in), checked against the pinned checksum before anything is installed,
# with the distribution's own (older) Go doing the download. Where the
# proxy is out of reach, put Go $GO_VERSION at /usr/local/go by hand and run
# this again. NAKAMI_GO_DIR names another place than /usr/local/go.
set -euo pipefail
GO_VERSION=1.26.8
GO_SUM="h1:ZOmGe1OnfREDMIdb1Qi4G9JSuDPBLGExZMQ4nis1RXM=" # golang.org/toolchain v0.0.1-go1.26.8.linux-amd64
cd "$(dirname "$0")/.."
repo=$PWD
export HOME=${HOME:-/root} # cloud-init's runcmd has none; the go command needs one
say() { echo "provision: $*"; }
die() { echo "provision: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run me as root (prefix sudo if you are not root)."
[ -r /etc/os-release ] && . /etc/os-release
case " ${ID:-} ${ID_LIKE:-} " in *" debian "* | *" ubuntu "*) ;; *) die "this script knows Debian and Ubuntu; on ${PRETTY_NAME:-this system} install the same tools by hand (see the README)." ;; esac

# ---- packages ---------------------------------------------------------------
pkgs=(gcc libc6-dev busybox-static iproute2 util-linux libcap2-bin iputils-ping procps tmux git ca-certificates)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
apt_install() {
	if [ -z "${apt_updated:-}" ]; then apt-get update -qq; apt_updated=1; fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	apt_install "${missing[@]}"
else
	say "packages: all present"
fi

# ---- Go ---------------------------------------------------------------------
need=$(awk '$1 == "go" {print $2; exit}' go.mod)
# newer A B: A is at least B (dotted versions).
newer() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$2" ]; }
goversion() { "$1" env GOVERSION 2>/dev/null | sed 's/^go//'; }
godir=${NAKAMI_GO_DIR:-/usr/local/go}
gobin=""
for g in "$godir/bin/go" "$(command -v go || true)"; do
	if [ -x "$g" ] && v=$(goversion "$g") && [ -n "$v" ] && newer "$v" "$need"; then gobin=$g; break; fi
done
if [ -z "$gobin" ]; then
	newer "$GO_VERSION" "$need" || die "the pinned Go $GO_VERSION is older than go.mod's $need: update GO_VERSION and GO_SUM."
	boot=$(command -v go || true)
	if [ -z "$boot" ]; then
		say "installing the distribution's Go, only to download Go $GO_VERSION"
		apt_install golang-go
		boot=$(command -v go)
	fi
	arch=$(dpkg --print-architecture)
	[ "$arch" = amd64 ] || die "GO_SUM pins the amd64 toolchain; on $arch put Go $GO_VERSION at /usr/local/go by hand."
	mod="golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$arch"
	tmp=$(mktemp -d /var/tmp/provision-go.XXXXXX)
	trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
	say "downloading Go $GO_VERSION ($mod) with $("$boot" version | cut -d' ' -f3)"
	(cd "$tmp" && GOFLAGS=-mod=mod GOMODCACHE="$tmp/mod" GOTOOLCHAIN=local "$boot" mod download -json "$mod") >"$tmp/dl.json" ||
		die "could not download $mod through the Go module proxy; put Go $GO_VERSION at /usr/local/go by hand and run me again."
	sum=$(sed -n 's/.*"Sum": "\(.*\)".*/\1/p' "$tmp/dl.json")
	dir=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' "$tmp/dl.json")
	[ "$sum" = "$GO_SUM" ] || die "$mod has checksum $sum, not the pinned $GO_SUM: nothing installed."
	rm -rf "$godir.new"
	cp -a "$dir" "$godir.new"
	chmod -R u+w,go-w "$godir.new"
	chmod +x "$godir.new"/bin/* "$godir.new"/pkg/tool/*/*
	rm -rf "$godir"
	mv "$godir.new" "$godir"
	gobin=$godir/bin/go
	say "installed Go $(goversion "$gobin") at $godir (checksum $GO_SUM)"
else
	say "Go: $(goversion "$gobin") at $gobin (go.mod needs $need)"
fi
if [ ! -e /etc/profile.d/nakami-go.sh ] && [ "$gobin" = "$godir/bin/go" ]; then
	echo "case \":\$PATH:\" in *:$godir/bin:*) ;; *) PATH=\"\$PATH:$godir/bin\" ;; esac" >/etc/profile.d/nakami-go.sh
	say "added $godir/bin to PATH for login shells (/etc/profile.d/nakami-go.sh)"
fi

# ---- nakami -----------------------------------------------------------------
build=$(mktemp -d /var/tmp/provision-build.XXXXXX)
# A synced folder belongs to another user than root: let git (which the go
# command asks for the version stamp) read it, for this build only.
GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0="$repo" \
	GOTOOLCHAIN=local "$gobin" build -o "$build/nakami" ./cmd/nakami
if cmp -s "$build/nakami" /usr/local/bin/nakami; then
	say "nakami: /usr/local/bin/nakami is already this build"
else
	install -m 0755 "$build/nakami" /usr/local/bin/nakami
	say "nakami: installed /usr/local/bin/nakami"
fi
rm -rf "$build"
/usr/local/bin/nakami doctor >/dev/null 2>&1 && say "doctor: every lesson can run here" ||
	say "doctor: some steps cannot run here; 'nakami doctor' says which and why"

cat <<MSG

Ready. As root (prefix sudo if you are not root):

  nakami                      the workbench, from the first lesson
  nakami --lang ja            in Japanese
  nakami run namespaces       one lesson headless: transcript and checks
  nakami doctor               what this machine can run
  nakami check                the exercises, checked against the kernel

MSG
