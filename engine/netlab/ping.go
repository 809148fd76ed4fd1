package netlab

// nakami's own ping, pure parts: ICMP echo messages (RFC 792) and the
// /proc/net/raw table that shows which raw sockets exist. The socket
// itself is in ping_linux.go.
//
// Man pages: icmp(7), raw(7), proc(5) (/proc/net/raw).

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// PingTarget is the only address nakami's ping talks to.
const PingTarget = "127.0.0.1"

// ICMP types.
const (
	icmpEchoReply   = 0
	icmpEchoRequest = 8
)

// EchoRequest builds an ICMP echo request with id, seq and a 56-byte
// payload, as ping sends by default.
func EchoRequest(id, seq uint16) []byte {
	b := make([]byte, 8+56)
	b[0] = icmpEchoRequest
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	for i := 8; i < len(b); i++ {
		b[i] = byte(i)
	}
	binary.BigEndian.PutUint16(b[2:], IcmpChecksum(b))
	return b
}

// IcmpChecksum is the Internet checksum (RFC 1071).
func IcmpChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// ParseEchoReply reads a packet from a raw IPv4 ICMP socket (the IP header
// comes first) and reports whether it is an intact echo reply with id; it
// returns the sequence number.
func ParseEchoReply(pkt []byte, id uint16) (seq uint16, ok bool) {
	if len(pkt) < 20 || pkt[0]>>4 != 4 {
		return 0, false
	}
	ihl := int(pkt[0]&0x0f) * 4
	if ihl < 20 || len(pkt) < ihl+8 {
		return 0, false
	}
	icmp := pkt[ihl:]
	if icmp[0] != icmpEchoReply || icmp[1] != 0 || IcmpChecksum(icmp) != 0 {
		return 0, false
	}
	if binary.BigEndian.Uint16(icmp[4:]) != id {
		return 0, false
	}
	return binary.BigEndian.Uint16(icmp[6:]), true
}

// RawSocket is one line of /proc/net/raw.
type RawSocket struct {
	Protocol int    `json:"protocol"` // 1 = ICMP (shown as the local "port")
	UID      int    `json:"uid"`
	Inode    uint64 `json:"inode"`
}

// ParseNetRaw parses /proc/net/raw: after a header line, each line reads
// "sl local:proto remote:port st tx:rx tr:when retrnsmt uid timeout inode …".
func ParseNetRaw(text string) ([]RawSocket, error) {
	var out []RawSocket
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) == 0 {
			continue
		}
		if len(f) < 10 {
			return nil, fmt.Errorf("raw socket line %q has %d fields, want at least 10", line, len(f))
		}
		_, proto, ok := strings.Cut(f[1], ":")
		p, err1 := strconv.ParseUint(proto, 16, 16)
		uid, err2 := strconv.Atoi(f[7])
		ino, err3 := strconv.ParseUint(f[9], 10, 64)
		if !ok || err1 != nil || err2 != nil || err3 != nil || uid < 0 {
			return nil, fmt.Errorf("raw socket line %q is malformed", line)
		}
		out = append(out, RawSocket{Protocol: int(p), UID: uid, Inode: ino})
	}
	return out, nil
}

// PingReport is what nakami's ping says about one run.
type PingReport struct {
	PID      int    `json:"pid"`
	UID      int    `json:"uid"`
	EUID     int    `json:"euid"`
	Socket   string `json:"socket"`           // "ok", an errno name, or "skipped" (-c 0)
	Detail   string `json:"detail,omitempty"` // the error sentence
	Sent     int    `json:"sent"`
	Received int    `json:"received"`
	RTTns    int64  `json:"rtt_ns,omitempty"` // of the first reply
}
