package netlab

import (
	"net"
	"strings"
	"testing"

	"nakami/engine"
)

func TestGuardIP(t *testing.T) {
	for _, ok := range []string{"192.168.77.1", "192.168.77.2", "192.168.77.254"} {
		if err := GuardIP(net.ParseIP(ok)); err != nil {
			t.Errorf("GuardIP(%s): %v", ok, err)
		}
	}
	for _, bad := range []string{"8.8.8.8", "10.0.0.1", "192.168.78.1", "192.168.76.255", "127.0.0.1",
		"192.168.77.0", "192.168.77.255", "0.0.0.0", "255.255.255.255", "::1", "::ffff:8.8.8.8", "fe80::1"} {
		if err := GuardIP(net.ParseIP(bad)); err == nil {
			t.Errorf("GuardIP(%s) accepted it", bad)
		}
	}
	if err := GuardIP(nil); err == nil {
		t.Error("GuardIP(nil) accepted it")
	}
}

func TestGuardCIDR(t *testing.T) {
	for _, ok := range []string{BridgeAddr, NSAddr} {
		if _, err := GuardCIDR(ok); err != nil {
			t.Errorf("GuardCIDR(%s): %v", ok, err)
		}
	}
	for _, bad := range []string{"8.8.8.8/24", "10.0.0.1/8", "192.168.78.1/24", "192.168.77.1/16",
		"192.168.77.1/32", "192.168.77.1/0", "0.0.0.0/0", "192.168.77.1", "", "x/24", "192.168.77.255/24"} {
		if _, err := GuardCIDR(bad); err == nil {
			t.Errorf("GuardCIDR(%q) accepted it", bad)
		}
	}
}

func TestNetNames(t *testing.T) {
	n := NamesFor("1a2b3c4d")
	for _, l := range []string{n.Bridge, n.Veth, n.Peer} {
		if err := GuardLinkName("1a2b3c4d", l); err != nil {
			t.Error(err)
		}
	}
	if n.Bridge != "nk1a2b3c4dbr0" || n.Veth != "nk1a2b3c4dveth0" || n.NSPath != "/run/netns/nakami-1a2b3c4d-ns0" {
		t.Errorf("names: %+v", n)
	}
	for _, bad := range []string{"eth0", "br0", "nk1a2b3c4e0", "nk1a2b3c4dveth0x", "xnk1a2b3c4d"} {
		if err := GuardLinkName("1a2b3c4d", bad); err == nil {
			t.Errorf("GuardLinkName(%q) accepted it", bad)
		}
	}
	if err := GuardLinkName("", "nk"); err == nil {
		t.Error("an empty session id was accepted")
	}
}

// TestJournalLinkNames: a link name may carry the session as nk<id>; no
// other name is loosened.
func TestJournalLinkNames(t *testing.T) {
	dir := t.TempDir()
	j, err := engine.OpenJournal(dir, "1a2b3c4d", "nakami-1a2b3c4d", engine.Header{Session: "1a2b3c4d", PID: 1, Start: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.F.Close()
	for _, e := range []engine.Entry{
		{Kind: engine.KindLink, Name: "nk1a2b3c4dbr0"},
		{Kind: engine.KindLink, Name: "nakami-1a2b3c4d"},
		{Kind: engine.KindNetns, Path: "/run/netns/nakami-1a2b3c4d-ns0"},
	} {
		if _, err := j.Record(e); err != nil {
			t.Errorf("Record(%v): %v", e, err)
		}
	}
	for _, e := range []engine.Entry{
		{Kind: engine.KindLink, Name: "eth0"},
		{Kind: engine.KindLink, Name: "nk1a2b3c4ebr0"},
		{Kind: engine.KindLink, Name: "xnk1a2b3c4d"},
		{Kind: engine.KindNetns, Path: "/run/netns/nk1a2b3c4d"},
		{Kind: engine.KindDir, Path: "/tmp/nk1a2b3c4d"},
		{Kind: engine.KindMount, Path: "/nk1a2b3c4d"},
	} {
		if _, err := j.Record(e); err == nil {
			t.Errorf("Record(%v) accepted it", e)
		}
	}
	// ReadJournal applies the same rule to a journal written by hand.
	j.F.WriteString(`{"seq":9,"kind":"link","name":"eth0"}` + "\n" + `{"seq":10,"kind":"dir","path":"/tmp/nk1a2b3c4d"}` + "\n")
	_, live, bad, err := engine.ReadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 3 || live[0].Name != "nk1a2b3c4dbr0" || len(bad) != 2 {
		t.Errorf("live %v, bad %v", live, bad)
	}
	for _, b := range bad {
		if !strings.Contains(b.Error(), "left alone") {
			t.Errorf("bad: %v", b)
		}
	}
}

func TestParseSNMP(t *testing.T) {
	text := "Ip: Forwarding DefaultTTL\nIp: 2 64\nIcmp: InMsgs InEchos OutEchoReps\nIcmp: 3 3 3\n"
	s, err := ParseSNMP(text)
	if err != nil || s["Icmp"]["InEchos"] != 3 || s["Ip"]["Forwarding"] != 2 {
		t.Errorf("%v %v", s, err)
	}
	for _, bad := range []string{"", "Ip: a b\nIp: 1\n", "Icmp: a\nIp: 1\n", "Icmp: a\nIcmp: x\n", "Ip: a\nIp: 1\n"} {
		if _, err := ParseSNMP(bad); err == nil {
			t.Errorf("ParseSNMP(%q) accepted it", bad)
		}
	}
}

func TestEchoSummary(t *testing.T) {
	r := EchoReport{Sent: 3, Received: 3, RTTms: []float64{0.1, 0.3, 0.2}}
	if got := r.Summary(); got != "3 packets transmitted, 3 received, rtt min/avg/max = 0.100/0.200/0.300 ms" {
		t.Error(got)
	}
}
