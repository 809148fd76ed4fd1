package caps

// Capability names and masks, pure: the table of names the kernel's
// <linux/capability.h> defines (bit number → name, spelled as `capsh
// --decode` prints them), and decoding and encoding 64-bit masks such as
// the CapEff line of /proc/PID/status. How many of them the running kernel
// knows is read from /proc/sys/kernel/cap_last_cap (caps_linux.go).
//
// Man pages: capabilities(7), capsh(1), proc(5) (the Cap* lines of status).

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"nakami/engine/procfs"
)

// capNames are the capabilities by bit number (Linux 5.9 added the last
// three: perfmon, bpf, checkpoint_restore).
var capNames = [...]string{
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
	"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
	"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
	"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
	"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
	"cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
	"cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
	"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
	"cap_checkpoint_restore",
}

// Bits of capabilities the lessons name.
const (
	Chown    = 0
	Setgid   = 6
	Setuid   = 7
	Setpcap  = 8
	NetRaw   = 13
	SysAdmin = 21
)

// Named is how many capabilities nakami has names for.
const Named = len(capNames)

// Name names bit b; bits without a name print as their decimal number,
// as capsh does.
func Name(b int) string {
	if b >= 0 && b < len(capNames) {
		return capNames[b]
	}
	return strconv.Itoa(b)
}

// ByName finds a capability by name ("cap_net_raw", "CAP_NET_RAW") or by
// decimal number; last is the highest bit the kernel knows.
func ByName(name string, last int) (int, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for b, c := range capNames {
		if c == n {
			if b > last {
				return 0, fmt.Errorf("%s is capability %d, which this kernel does not know (its last is %d)", c, b, last)
			}
			return b, nil
		}
	}
	if b, err := strconv.Atoi(n); err == nil && b >= 0 && b <= last {
		return b, nil
	}
	return 0, fmt.Errorf("%q is not a capability name of this kernel (cap_chown … %s)", name, Name(last))
}

// All is the mask with bits 0..last set.
func All(last int) uint64 {
	if last >= 63 {
		return ^uint64(0)
	}
	if last < 0 {
		return 0
	}
	return 1<<(uint(last)+1) - 1
}

// ParseHex reads a mask written in hexadecimal, with or without 0x, as
// capsh --decode accepts it and as /proc/PID/status prints it.
func ParseHex(s string) (uint64, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	if h == "" || len(h) > 16 {
		return 0, fmt.Errorf("%q is not a capability mask (1 to 16 hexadecimal digits, e.g. 0xa80425fb)", s)
	}
	v, err := strconv.ParseUint(h, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a capability mask (1 to 16 hexadecimal digits, e.g. 0xa80425fb)", s)
	}
	return v, nil
}

// Bits lists the bits set in mask, lowest first.
func Bits(mask uint64) []int {
	var out []int
	for m := mask; m != 0; m &= m - 1 {
		out = append(out, bits.TrailingZeros64(m))
	}
	return out
}

// Decode names the bits of mask; a bit above last (the kernel's
// cap_last_cap) is an error, because no such capability exists here.
func Decode(mask uint64, last int) ([]string, error) {
	if extra := mask &^ All(last); extra != 0 {
		b := bits.TrailingZeros64(extra)
		return nil, fmt.Errorf("0x%016x sets bit %d, but this kernel's last capability is %d (%s)", mask, b, last, Name(last))
	}
	return Names(mask), nil
}

// Names names every bit of mask, without checking it against a kernel.
func Names(mask uint64) []string {
	out := []string{}
	for _, b := range Bits(mask) {
		out = append(out, Name(b))
	}
	return out
}

// FormatCapsh renders a mask the way `capsh --decode` does:
// 0x0000000000002000=cap_net_raw
func FormatCapsh(mask uint64) string {
	return fmt.Sprintf("0x%016x=%s", mask, strings.Join(Names(mask), ","))
}

// Encode builds a mask from names separated by commas or spaces; "all"
// stands for every capability of the kernel and "" for none.
func Encode(list string, last int) (uint64, error) {
	var mask uint64
	for _, n := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		if strings.EqualFold(n, "all") {
			mask |= All(last)
			continue
		}
		b, err := ByName(n, last)
		if err != nil {
			return 0, err
		}
		mask |= 1 << uint(b)
	}
	return mask, nil
}

// Sets are the five capability sets of a process (capabilities(7)).
type Sets struct {
	Inheritable uint64 `json:"inheritable"`
	Permitted   uint64 `json:"permitted"`
	Effective   uint64 `json:"effective"`
	Bounding    uint64 `json:"bounding"`
	Ambient     uint64 `json:"ambient"`
}

// SetNames are the sets in the order /proc/PID/status prints them, with
// the name of their status line.
var SetNames = [5][2]string{
	{"inheritable", "CapInh"}, {"permitted", "CapPrm"}, {"effective", "CapEff"},
	{"bounding", "CapBnd"}, {"ambient", "CapAmb"},
}

// SetsOf returns the five sets of a parsed status file.
func SetsOf(st procfs.Status) Sets {
	return Sets{st.CapInh, st.CapPrm, st.CapEff, st.CapBnd, st.CapAmb}
}

// Masks returns the sets in SetNames order.
func (c Sets) Masks() [5]uint64 {
	return [5]uint64{c.Inheritable, c.Permitted, c.Effective, c.Bounding, c.Ambient}
}
