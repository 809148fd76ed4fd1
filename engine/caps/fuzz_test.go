package caps

// Fuzz targets for capability text and hex and the security.capability
// attribute. Seeds: testdata/fuzz/<target>/. Run them with scripts/fuzz.sh.

import (
	"strings"
	"testing"
)

// fuzzLast is the cap_last_cap of the kernels nakami is tested on.
const fuzzLast = 40

func FuzzParseHex(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseHex(s)
		if err != nil {
			return
		}
		if again, err := ParseHex(FormatCapsh(m)[:18]); err != nil || again != m {
			t.Fatalf("%q read as %#x does not read back (%#x, %v)", s, m, again, err)
		}
	})
}

func FuzzEncode(f *testing.F) {
	f.Fuzz(func(t *testing.T, list string) {
		m, err := Encode(list, fuzzLast)
		if err != nil {
			return
		}
		names, err := Decode(m, fuzzLast)
		if err != nil {
			t.Fatalf("%q encoded as %#x, beyond cap_last_cap: %v", list, m, err)
		}
		if again, err := Encode(strings.Join(names, ","), fuzzLast); err != nil || again != m {
			t.Fatalf("%q → %#x → %v → %#x, %v", list, m, names, again, err)
		}
	})
}

func FuzzParseText(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		fc, err := ParseText(text, fuzzLast)
		if err != nil {
			return
		}
		b, err := fc.Encode()
		if err != nil {
			return // e.g. nothing to encode
		}
		back, err := DecodeFile(b)
		if err != nil || back.Permitted != fc.Permitted || back.Inheritable != fc.Inheritable || back.Effective != fc.Effective {
			t.Fatalf("%q → %+v → %x → %+v, %v", text, fc, b, back, err)
		}
	})
}

func FuzzDecodeFile(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		fc, err := DecodeFile(b)
		if err != nil {
			return
		}
		if fc.Revision == 1 {
			fc.Revision = 0 // revision 1 is read, never written
		}
		enc, err := fc.Encode()
		if err != nil {
			t.Fatalf("%x decoded as %+v, which does not encode: %v", b, fc, err)
		}
		back, err := DecodeFile(enc)
		if err != nil || back.Permitted != fc.Permitted || back.Inheritable != fc.Inheritable ||
			back.Effective != fc.Effective || back.RootID != fc.RootID {
			t.Fatalf("%x → %+v → %x → %+v, %v", b, fc, enc, back, err)
		}
	})
}
