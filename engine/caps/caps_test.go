package caps

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"nakami/engine/netlab"
)

func TestCapNames(t *testing.T) {
	if Named != 41 || Name(0) != "cap_chown" || Name(13) != "cap_net_raw" || Name(40) != "cap_checkpoint_restore" {
		t.Fatalf("table: %d names, 0=%s 13=%s 40=%s", Named, Name(0), Name(13), Name(40))
	}
	if Name(41) != "41" || Name(63) != "63" {
		t.Errorf("unnamed bits print as numbers, got %s %s", Name(41), Name(63))
	}
	for name, want := range map[string]int{"cap_net_raw": 13, "CAP_NET_RAW": 13, " cap_bpf ": 39, "5": 5} {
		if got, err := ByName(name, 40); err != nil || got != want {
			t.Errorf("CapByName(%q) = %d, %v; want %d", name, got, err, want)
		}
	}
	for _, bad := range []string{"", "net_raw", "cap_", "cap_bpf", "41", "-1", "cap_net_raw,cap_chown", "\x00"} {
		if _, err := ByName(bad, 38); err == nil {
			t.Errorf("CapByName(%q) on a 39-capability kernel accepted", bad)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("error is not one line: %q", err)
		}
	}
}

func TestMasks(t *testing.T) {
	if All(40) != 0x1ffffffffff || All(37) != 0x3fffffffff || All(63) != ^uint64(0) || All(-1) != 0 {
		t.Errorf("AllCaps: %#x %#x", All(40), All(37))
	}
	for in, want := range map[string]uint64{"a80425fb": 0xa80425fb, "0x00000000a80425fb": 0xa80425fb, "0X2000": 0x2000, "0": 0, " 0x3fffffffff\n": 0x3fffffffff, "ffffffffffffffff": ^uint64(0)} {
		if got, err := ParseHex(in); err != nil || got != want {
			t.Errorf("ParseCapHex(%q) = %#x, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0x", "0xZZ", "zz", "-1", "0x1ffffffffffffffff", "12 34", "0x+1", "1e3x", "１２"} {
		if _, err := ParseHex(bad); err == nil {
			t.Errorf("ParseCapHex(%q) accepted", bad)
		}
	}
	names, err := Decode(0xa80425fb, 40)
	want := "cap_chown,cap_dac_override,cap_fowner,cap_fsetid,cap_kill,cap_setgid,cap_setuid,cap_setpcap,cap_net_bind_service,cap_net_raw,cap_sys_chroot,cap_mknod,cap_audit_write,cap_setfcap"
	if err != nil || strings.Join(names, ",") != want {
		t.Errorf("Docker's mask decodes to %v, %v", names, err)
	}
	if _, err := Decode(1<<41, 40); err == nil || !strings.Contains(err.Error(), "bit 41") {
		t.Errorf("a bit beyond the kernel: %v", err)
	}
	if _, err := Decode(0x1ffffffffff, 37); err == nil {
		t.Error("the 41-capability mask was accepted for the article's 38-capability kernel")
	}
	if got := FormatCapsh(0x2000); got != "0x0000000000002000=cap_net_raw" {
		t.Errorf("FormatCapsh = %q", got)
	}
	if got := FormatCapsh(0); got != "0x0000000000000000=" {
		t.Errorf("FormatCapsh(0) = %q", got)
	}
	for in, want := range map[string]uint64{"": 0, "cap_net_raw": 0x2000, "cap_chown, CAP_NET_RAW": 0x2001, "all": 0x1ffffffffff, "13,0": 0x2001} {
		if got, err := Encode(in, 40); err != nil || got != want {
			t.Errorf("EncodeCaps(%q) = %#x, %v", in, got, err)
		}
	}
	for _, bad := range []string{"cap_nope", "cap_net_raw,,x", "64", "cap_checkpoint_restore"} {
		if _, err := Encode(bad, 39); err == nil {
			t.Errorf("EncodeCaps(%q) accepted", bad)
		}
	}
	if !slices.Equal(Bits(0x8000000000002001), []int{0, 13, 63}) {
		t.Errorf("CapBits = %v", Bits(0x8000000000002001))
	}
}

// The bytes setcap 2.66 wrote on this project's machine (see
// TestFileCapsInterop for the live comparison).
var setcapBytes = map[string]string{
	"cap_net_raw+ep":                   "0100000200200000000000000000000000000000",
	"cap_chown,cap_net_raw+eip":        "0100000201200000012000000000000000000000",
	"cap_chown=p cap_net_raw+i":        "0000000201000000002000000000000000000000",
	"=":                                "0000000200000000000000000000000000000000",
	"cap_net_raw+ep rootid 1000":       "0100000300200000000000000000000000000000e8030000",
	"cap_checkpoint_restore,cap_bpf+p": "0000000200000000000000008001000000000000",
}

func TestFileCapsBytes(t *testing.T) {
	for text, hexWant := range setcapBytes {
		var root uint32
		if t2, ok := strings.CutSuffix(text, " rootid 1000"); ok {
			text, root = t2, 1000
		}
		f, err := ParseText(text, 40)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		f.RootID = root
		b, err := f.Encode()
		if err != nil || hex.EncodeToString(b) != hexWant {
			t.Errorf("%q encodes to %x, %v; setcap writes %s", text, b, err, hexWant)
		}
		back, err := DecodeFile(b)
		f.Revision = back.Revision
		if err != nil || back != f {
			t.Errorf("%q: decoded %+v, %v; want %+v", text, back, err, f)
		}
	}
	v1, _ := hex.DecodeString("010000010020000000000000")
	if f, err := DecodeFile(v1); err != nil || f.Revision != 1 || f.Permitted != 0x2000 || !f.Effective {
		t.Errorf("revision 1: %+v, %v", f, err)
	}
	if _, err := (File{RootID: 5, Revision: 2}).Encode(); err == nil {
		t.Error("revision 2 with a root id was encoded")
	}
	if _, err := (File{Revision: 1}).Encode(); err == nil {
		t.Error("revision 1 was encoded")
	}
}

func TestFileCapsHostile(t *testing.T) {
	for name, h := range map[string]string{
		"empty":             "",
		"short header":      "010000",
		"revision 0":        "0000000000200000000000000000000000000000",
		"revision 4":        "0100000400200000000000000000000000000000",
		"v2 too short":      "01000002002000000000000000000000",
		"v2 too long":       "010000020020000000000000000000000000000000",
		"v3 as v2 size":     "0100000300200000000000000000000000000000",
		"v1 as v2 size":     "0100000100200000000000000000000000000000",
		"unknown flag bits": "0300000200200000000000000000000000000000",
		"huge":              strings.Repeat("00", 4096),
	} {
		b, _ := hex.DecodeString(h)
		if f, err := DecodeFile(b); err == nil {
			t.Errorf("%s: decoded %+v", name, f)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line", name)
		}
	}
	for _, bad := range []string{"cap_net_raw", "cap_net_raw+x", "cap_nope+p", "+ep", "cap_chown+ep cap_net_raw+i", "cap_net_raw+e", "cap_net_raw=ep cap_chown+e"} {
		if f, err := ParseText(bad, 40); err == nil {
			t.Errorf("ParseCapText(%q) accepted: %+v", bad, f)
		}
	}
	for text, want := range map[string]File{
		"":                        {},
		"=":                       {},
		"=ep":                     {Permitted: 0x1ffffffffff, Effective: true},
		"all=p cap_net_raw-p":     {Permitted: 0x1ffffffffff &^ 0x2000},
		"cap_net_raw=eip":         {Permitted: 0x2000, Inheritable: 0x2000, Effective: true},
		"CAP_NET_RAW+EP":          {Permitted: 0x2000, Effective: true},
		"cap_chown+p cap_chown-p": {},
	} {
		if got, err := ParseText(text, 40); err != nil || got != want {
			t.Errorf("ParseCapText(%q) = %+v, %v; want %+v", text, got, err, want)
		}
	}
}

// TestFileCapsText compares with what getcap printed for the same
// attributes.
func TestFileCapsText(t *testing.T) {
	for text, want := range map[string]string{
		"cap_net_raw+ep":            "cap_net_raw=ep",
		"cap_chown=p cap_net_raw+i": "cap_net_raw=i cap_chown+p",
		"=":                         "=",
		"=ep":                       "=ep",
		"cap_chown,cap_net_raw+eip": "cap_chown,cap_net_raw=eip",
	} {
		f, err := ParseText(text, 40)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Text(40); got != want {
			t.Errorf("%q prints %q, getcap prints %q", text, got, want)
		}
	}
}

func TestFormulaWorkedThrough(t *testing.T) {
	f := File{Permitted: 0x2000, Effective: true}
	out := AfterExec(ExecInput{UID: 65534, Bnd: 0x1ffffffffff, File: &f})
	if out.Sets.Effective != 0x2000 || len(out.Work) < 4 || out.Work[0].ID != RuleFileCaps {
		t.Errorf("%+v", out)
	}
	// Hostile: an ambient bit that is not inheritable cannot exist, but the
	// calculator must still answer without panicking.
	out = AfterExec(ExecInput{UID: 65534, Amb: ^uint64(0), Bnd: 0, File: &File{Permitted: ^uint64(0), Inheritable: ^uint64(0), Effective: true}})
	if out.Err != "EPERM" {
		t.Errorf("all-ones file with an empty bounding set: %+v", out)
	}
}

func TestPingPackets(t *testing.T) {
	req := netlab.EchoRequest(0x1234, 7)
	if netlab.IcmpChecksum(req) != 0 || req[0] != 8 || len(req) != 64 {
		t.Fatalf("request % x", req[:8])
	}
	reply := append(bytes.Repeat([]byte{0}, 20), req...)
	reply[0] = 0x45
	reply[20] = 0
	reply[22], reply[23] = 0, 0
	c := netlab.IcmpChecksum(reply[20:])
	reply[22], reply[23] = byte(c>>8), byte(c)
	if seq, ok := netlab.ParseEchoReply(reply, 0x1234); !ok || seq != 7 {
		t.Errorf("reply not recognised: %d %v", seq, ok)
	}
	for name, pkt := range map[string][]byte{
		"empty": nil, "short": reply[:25], "ipv6": append([]byte{0x60}, reply[1:]...),
		"bad ihl": append([]byte{0x4f}, reply[1:]...), "request": append(append([]byte{}, reply[:20]...), req...),
	} {
		if _, ok := netlab.ParseEchoReply(pkt, 0x1234); ok {
			t.Errorf("%s accepted", name)
		}
	}
	if _, ok := netlab.ParseEchoReply(reply, 0x4321); ok {
		t.Error("another id accepted")
	}
	raw := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
		" 1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000 65534        0 123456 2 0000000000000000 0\n"
	socks, err := netlab.ParseNetRaw(raw)
	if err != nil || len(socks) != 1 || socks[0] != (netlab.RawSocket{Protocol: 1, UID: 65534, Inode: 123456}) {
		t.Errorf("ParseNetRaw = %+v, %v", socks, err)
	}
	for _, bad := range []string{"h\n 1: x\n", "h\n 1: 0:zz 0 0 0 0 0 0 0 1\n", "h\n 1: 0:1 0 0 0 0 0 -5 0 1\n"} {
		if _, err := netlab.ParseNetRaw(bad); err == nil {
			t.Errorf("ParseNetRaw(%q) accepted", bad)
		}
	}
}

func FuzzCapsParsers(f *testing.F) {
	f.Add([]byte("0100000200200000000000000000000000000000"), "cap_net_raw+ep")
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		if fc, err := DecodeFile(b); err == nil {
			if enc, err := fc.Encode(); err == nil && fc.Revision != 1 && !bytes.Equal(enc, b) {
				t.Errorf("round trip of %x gave %x", b, enc)
			}
			fc.Text(40)
		}
		ParseText(s, 40)
		ParseHex(s)
		Encode(s, 40)
		netlab.ParseNetRaw(s)
		netlab.ParseEchoReply(b, 1)
	})
}
