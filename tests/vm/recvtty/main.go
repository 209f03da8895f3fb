// Command recvtty is the console-socket end for the VM tier's terminal
// scenarios (busybox has none): it listens on a unix socket, takes the pty
// master each connection sends (SCM_RIGHTS, as runc's recvtty) and appends
// what the container writes to its terminal to a file, until killed.
//
//	recvtty SOCKET OUTPUT
package main

import (
	"fmt"
	"io"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: recvtty SOCKET OUTPUT")
		os.Exit(2)
	}
	out, err := os.OpenFile(os.Args[2], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fail(err)
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: os.Args[1], Net: "unix"})
	if err != nil {
		fail(err)
	}
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			fail(err)
		}
		go copyMaster(c, out)
	}
}

// copyMaster receives one pty master and copies its output; the master
// stays open as long as the terminal is written to, so the container gets
// no hangup.
func copyMaster(c *net.UnixConn, out *os.File) {
	defer c.Close()
	buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		fmt.Fprintln(os.Stderr, "recvtty:", err)
		return
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		fmt.Fprintln(os.Stderr, "recvtty: no fd received")
		return
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		fmt.Fprintln(os.Stderr, "recvtty: no fd received")
		return
	}
	master := os.NewFile(uintptr(fds[0]), "pty-master")
	io.Copy(out, master)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "recvtty:", err)
	os.Exit(1)
}
