package lessons

import (
	"testing"
)

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
