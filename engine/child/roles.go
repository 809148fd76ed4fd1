package child

// Hidden roles of the binary: besides the child, pause and probe roles of
// the child protocol, a mechanism file may register a role of its own (a
// ping, a chroot-escape program, a small server) that runs when the binary
// is started as `/proc/self/exe NAME ARGS…`. NAME must start with
// "__nakami_".

var roles = map[string]func(args []string) int{}

// RegisterRole adds a hidden role; call it from an init function.
func RegisterRole(name string, main func(args []string) int) {
	if len(name) < 10 || name[:9] != "__nakami_" {
		panic("role names start with __nakami_: " + name)
	}
	roles[name] = main
}
