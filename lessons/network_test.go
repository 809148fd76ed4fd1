package lessons

import (
	"context"
	"testing"
)

// TestNetworkHonest proves the network lesson alone: every check fails
// before its action and passes after it.
func TestNetworkHonest(t *testing.T) {
	needKernel(t)
	t.Setenv("NAKAMI_RUN_DIR", t.TempDir())
	l, _, err := Find("network")
	if err != nil {
		t.Fatal(err)
	}
	skipped, errs := Prove(context.Background(), l)
	for _, s := range skipped {
		t.Errorf("not proven as root: %s", s)
	}
	for _, err := range errs {
		t.Error(err)
	}
}

func TestPingCountParam(t *testing.T) {
	for _, ok := range []string{"1", "3", "10"} {
		if err := pingCountParam.Check(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"0", "11", "-1", "x", ""} {
		if err := pingCountParam.Check(bad); err == nil {
			t.Errorf("count %q accepted", bad)
		}
	}
}
