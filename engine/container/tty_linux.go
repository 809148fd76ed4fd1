package container

// The terminal of `container run -it`: a pseudo-terminal pair from the
// host's /dev/ptmx whose slave becomes the container's fds 0, 1, 2 and
// /dev/console (setup_linux.go), and whose master nakami copies to and
// from its own terminal, put in raw mode so that ^C, ^D and ^Z reach the
// shell inside. The window size follows SIGWINCH.
//
// Syscalls: open(2) /dev/ptmx, ioctl(2) TIOCSPTLCK, TIOCGPTN, TCGETS,
// TCSETS, TIOCGWINSZ, TIOCSWINSZ, read(2)/write(2). Man pages: pty(7),
// ptmx(4), termios(3), ioctl_tty(2).

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

type terminal struct {
	master, slave *os.File
	old           *term.State
	winch         chan os.Signal
}

func openTerminal() (*terminal, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot open a pseudo-terminal: %w", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, err
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, err
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, err
	}
	t := &terminal{master: m, slave: s}
	t.resize()
	return t, nil
}

func (t *terminal) resize() {
	if ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(int(t.slave.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// Attach puts nakami's terminal in raw mode and starts the copies.
func (t *terminal) Attach() error {
	old, err := term.MakeRaw(0)
	if err != nil {
		return err
	}
	t.old = old
	t.winch = make(chan os.Signal, 1)
	signal.Notify(t.winch, syscall.SIGWINCH)
	go func() {
		for range t.winch {
			if ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ); err == nil {
				unix.IoctlSetWinsize(int(t.master.Fd()), unix.TIOCSWINSZ, ws)
			}
		}
	}()
	go io.Copy(t.master, os.Stdin)
	go io.Copy(os.Stdout, t.master)
	return nil
}

// Restore gives the terminal back as it was.
func (t *terminal) Restore() {
	if t.old != nil {
		term.Restore(0, t.old)
		t.old = nil
	}
	if t.winch != nil {
		signal.Stop(t.winch)
	}
}

func (t *terminal) Close() {
	t.Restore()
	t.master.Close()
	t.slave.Close()
}
