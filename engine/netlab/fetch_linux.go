package netlab

// fetch: the small HTTP client the overlay lesson "installs" into an image
// layer in place of the article's `apk add curl`. It is this very binary,
// copied to /usr/local/bin/fetch; like a busybox applet it knows its role
// from the name it was started under (argv[0]), so `fetch URL` works as
// `curl URL` would. It only ever talks to a loopback address: in the
// lesson it runs in a container whose network namespace holds nothing but
// lo, and the guard makes sure no copy of it sends traffic anywhere else.
//
// Syscalls: socket(2), connect(2), write(2)/read(2) on TCP (net/http),
// open(2)/write(2) for -o. Man pages: tcp(7), ip(7), curl(1) for the
// command line it imitates.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"nakami/engine/child"
)

// RoleFetch is the hidden role; FetchName the program name that selects it.
const (
	RoleFetch = "__nakami_fetch__"
	FetchName = "fetch"
)

func init() {
	// Applet dispatch: /usr/local/bin/fetch ARGS… runs as if started as
	// nakami __nakami_fetch__ ARGS…
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == FetchName {
		os.Args = append([]string{os.Args[0], RoleFetch}, os.Args[1:]...)
	}
	child.RegisterRole(RoleFetch, fetchMain)
}

// GuardLoopbackURL refuses any URL that is not plain http to a loopback
// IP address.
func GuardLoopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("fetch speaks only http://, not %q", u.Scheme)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("fetch talks only to a loopback address such as 127.0.0.1, not %q", u.Hostname())
	}
	return u, nil
}

func fetchMain(args []string) int {
	var out string
	var target string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--version" || a == "-V":
			fmt.Println("fetch (nakami) 1.0: an HTTP/1.1 client for loopback addresses")
			return 0
		case a == "-o" && i+1 < len(args):
			out = args[i+1]
			i++
		case target == "":
			target = a
		default:
			fmt.Fprintln(os.Stderr, "usage: fetch [-o FILE] http://127.0.0.1:PORT/PATH")
			return 2
		}
	}
	u, err := GuardLoopbackURL(target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetch:", err)
		return 2
	}
	// No proxy from the environment: the request goes straight to u.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Get(u.String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetch:", err)
		return 7 // curl's "failed to connect"
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetch:", err)
		return 56
	}
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "fetch: %s\n", resp.Status)
		return 22
	}
	if out == "" {
		os.Stdout.Write(body)
		return 0
	}
	if err := os.WriteFile(out, body, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "fetch:", err)
		return 23
	}
	fmt.Printf("%s: %d bytes from %s\n", out, len(body), u)
	return 0
}
