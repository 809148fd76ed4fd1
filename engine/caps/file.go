package caps

// File capabilities, pure: the security.capability extended attribute as
// the kernel stores it, and the short text form setcap reads
// ("cap_net_raw+ep"). Writing and reading the attribute is in
// caps_linux.go.
//
// The attribute (little-endian 32-bit words, <linux/capability.h>):
//
//	revision 1 (12 bytes): magic_etc, permitted, inheritable        (32 caps)
//	revision 2 (20 bytes): magic_etc, permitted[0], inheritable[0],
//	                       permitted[1], inheritable[1]              (64 caps)
//	revision 3 (24 bytes): revision 2, then rootid: the uid that is root in
//	                       the user namespace the capabilities apply to
//
// magic_etc is the revision in the top byte (0x01, 0x02, 0x03) and, in bit
// 0, the single file effective bit. setcap writes revision 2, or 3 when
// given a root id (setcap -n).
//
// Man pages: capabilities(7) ("File capability extended attribute
// versioning"), xattr(7), setcap(8), getcap(8).

import (
	"encoding/binary"
	"fmt"
	"strings"
)

const (
	vfsRevMask   = 0xff000000
	vfsRev1      = 0x01000000
	vfsRev2      = 0x02000000
	vfsRev3      = 0x03000000
	vfsEffective = 0x000001
)

// Xattr is the name of the attribute.
const Xattr = "security.capability"

// File is the capabilities stored on a file.
type File struct {
	Permitted   uint64 `json:"permitted"`
	Inheritable uint64 `json:"inheritable"`
	Effective   bool   `json:"effective"` // one bit: raise all of P' into E' at execve
	RootID      uint32 `json:"rootid,omitempty"`
	Revision    int    `json:"revision"` // 1, 2 or 3; 0 when encoding means "as setcap would"
}

// Encode returns the attribute's bytes: revision 2, or 3 when RootID is
// set or Revision asks for it. Revision 1 is read, never written.
func (f File) Encode() ([]byte, error) {
	rev := f.Revision
	if rev == 0 {
		rev = 2
		if f.RootID != 0 {
			rev = 3
		}
	}
	var magic uint32
	switch rev {
	case 2:
		if f.RootID != 0 {
			return nil, fmt.Errorf("a revision 2 file capability cannot carry root id %d", f.RootID)
		}
		magic = vfsRev2
	case 3:
		magic = vfsRev3
	default:
		return nil, fmt.Errorf("file capability revision %d cannot be written (2 or 3)", rev)
	}
	if f.Effective {
		magic |= vfsEffective
	}
	b := binary.LittleEndian.AppendUint32(nil, magic)
	b = binary.LittleEndian.AppendUint32(b, uint32(f.Permitted))
	b = binary.LittleEndian.AppendUint32(b, uint32(f.Inheritable))
	b = binary.LittleEndian.AppendUint32(b, uint32(f.Permitted>>32))
	b = binary.LittleEndian.AppendUint32(b, uint32(f.Inheritable>>32))
	if rev == 3 {
		b = binary.LittleEndian.AppendUint32(b, f.RootID)
	}
	return b, nil
}

// DecodeFile parses the attribute's bytes. The size must match the
// revision, and no flag other than the effective bit may be set.
func DecodeFile(b []byte) (File, error) {
	if len(b) < 4 {
		return File{}, fmt.Errorf("a file capability of %d bytes is too short for its header", len(b))
	}
	le := binary.LittleEndian
	magic := le.Uint32(b)
	want := map[uint32]int{vfsRev1: 12, vfsRev2: 20, vfsRev3: 24}[magic&vfsRevMask]
	if want == 0 {
		return File{}, fmt.Errorf("file capability revision 0x%02x is unknown (1, 2 or 3)", magic>>24)
	}
	if len(b) != want {
		return File{}, fmt.Errorf("a revision %d file capability has %d bytes, not %d", magic>>24, len(b), want)
	}
	if flags := magic &^ vfsRevMask; flags&^vfsEffective != 0 {
		return File{}, fmt.Errorf("file capability flags 0x%06x set bits other than effective", flags)
	}
	f := File{
		Revision:    int(magic >> 24),
		Effective:   magic&vfsEffective != 0,
		Permitted:   uint64(le.Uint32(b[4:])),
		Inheritable: uint64(le.Uint32(b[8:])),
	}
	if want >= 20 {
		f.Permitted |= uint64(le.Uint32(b[12:])) << 32
		f.Inheritable |= uint64(le.Uint32(b[16:])) << 32
	}
	if want == 24 {
		f.RootID = le.Uint32(b[20:])
	}
	return f, nil
}

// ParseText reads the text form setcap takes, one or more clauses
// separated by spaces: NAMES OP FLAGS, where NAMES are capability names
// joined by commas (or "all"), OP is = (set exactly), + (add) or - (remove)
// and FLAGS are letters from "eip". As in setcap, the file has one
// effective bit, so e must cover every capability that is p or i. The empty
// string means no capabilities at all.
func ParseText(text string, last int) (File, error) {
	var f File
	var eff uint64
	for _, clause := range strings.Fields(text) {
		i := strings.IndexAny(clause, "=+-")
		if i < 0 {
			return f, fmt.Errorf("%q has no =, + or - (write e.g. cap_net_raw+ep)", clause)
		}
		names, op, flags := clause[:i], clause[i], clause[i+1:]
		var mask uint64
		var err error
		if names == "" && op == '=' {
			mask = All(last)
		} else if mask, err = Encode(names, last); err != nil || names == "" {
			if err == nil {
				err = fmt.Errorf("%q names no capability", clause)
			}
			return f, err
		}
		if strings.Trim(flags, "eipEIP") != "" {
			return f, fmt.Errorf("%q has flags other than e, i and p", clause)
		}
		sets := map[byte]*uint64{'p': &f.Permitted, 'i': &f.Inheritable, 'e': &eff}
		for _, c := range []byte("eip") {
			on := strings.ContainsRune(strings.ToLower(flags), rune(c))
			switch {
			case op == '=' && on, op == '+' && on:
				*sets[c] |= mask
			case op == '=' && !on, op == '-' && on:
				*sets[c] &^= mask
			}
		}
	}
	if eff != 0 && eff != f.Permitted|f.Inheritable {
		return f, fmt.Errorf("%q: a file has one effective bit, so e must cover exactly the capabilities that are p or i", text)
	}
	f.Effective = eff != 0
	return f, nil
}

// Text renders f as getcap prints it (libcap's cap_to_text): the most
// common flag combination among the kernel's capabilities 0..last becomes
// the background ("=" when most have none), then one group per other
// combination, highest first: "cap_net_raw=ep", "cap_net_raw=i cap_chown+p".
// getcap adds " [rootid=N]" only when asked (-n), so Text leaves it out.
func (f File) Text(last int) string {
	combos := []string{"", "e", "p", "ep", "i", "ei", "ip", "eip"}
	n := last + 1
	if n < 0 || n > 64 {
		n = 64
	}
	pattern := make([]int, 64)
	bins := make([]int, 8)
	for v := 0; v < 64; v++ {
		bit := uint64(1) << uint(v)
		x := 0
		if f.Permitted&bit != 0 {
			x |= 2
		}
		if f.Inheritable&bit != 0 {
			x |= 4
		}
		if f.Effective && x != 0 {
			x |= 1
		}
		pattern[v] = x
		if v < n {
			bins[x]++
		}
	}
	m := 7
	for t := m; t > 0; {
		t--
		if bins[t] >= bins[m] {
			m = t
		}
	}
	vs := []string{"=" + combos[m]}
	for i := 7; i >= 0; i-- {
		if i == m || bins[i] == 0 {
			continue
		}
		var list []string
		for v := 0; v < n; v++ {
			if pattern[v] == i {
				list = append(list, Name(v))
			}
		}
		var y, z string
		if cf := i &^ m; cf != 0 {
			op := "+"
			if len(vs) == 1 && vs[0] == "=" {
				vs, op = nil, "="
			}
			y = op + combos[cf]
		}
		if cf := m &^ i; cf != 0 {
			z = "-" + combos[cf]
		}
		vs = append(vs, strings.Join(list, ",")+y+z)
	}
	// Bits beyond the kernel's last can only have been added.
	for i := 7; i > 0; i-- {
		var list []string
		for v := n; v < 64; v++ {
			if pattern[v] == i {
				list = append(list, Name(v))
			}
		}
		if len(list) > 0 {
			vs = append(vs, strings.Join(list, ",")+"+"+combos[i])
		}
	}
	return strings.Join(vs, " ")
}
