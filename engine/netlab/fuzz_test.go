package netlab

// Fuzz targets for what the network lesson reads from outside: the
// /proc/net files, packets off a raw socket, and addresses a person types.
// Seeds: testdata/fuzz/<target>/. Run them with scripts/fuzz.sh.

import (
	"testing"
)

func FuzzParseSNMP(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) { ParseSNMP(s) })
}

func FuzzParseNetRaw(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseNetRaw(s)
		for _, r := range rs {
			if err == nil && r.UID < 0 {
				t.Fatalf("%q gave uid %d", s, r.UID)
			}
		}
	})
}

func FuzzParseEchoReply(f *testing.F) {
	f.Fuzz(func(t *testing.T, pkt []byte, id uint16) {
		if _, ok := ParseEchoReply(pkt, id); ok && len(pkt) < 28 {
			t.Fatalf("a %d-byte packet was taken for an echo reply", len(pkt))
		}
	})
}

func FuzzGuardCIDR(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		n, err := GuardCIDR(s)
		if err != nil {
			return
		}
		if !labNet.Contains(n.IP) || GuardIP(n.IP) != nil {
			t.Fatalf("%q accepted as %v, outside %s", s, n, Subnet)
		}
	})
}
