package lessons

import (
	"context"
	"testing"
)

// TestOverlayChecksAreHonest proves the overlay lesson alone (the whole
// course is proven by TestChecksAreHonest): every check fails before its
// step's action and passes after it.
func TestOverlayChecksAreHonest(t *testing.T) {
	needKernel(t)
	t.Setenv("NAKAMI_RUN_DIR", t.TempDir())
	l, _, err := Find("overlay")
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
	if len(l.Steps) != 7 {
		t.Errorf("the lesson has %d steps, want 7", len(l.Steps))
	}
}
