package loadtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Memory is the server's peak resident memory (VmHWM), when it could be read.
type Memory struct {
	PID       int   `json:"pid,omitempty"`
	PeakBytes int64 `json:"peak_bytes,omitempty"`
	// Source says how the process was found, or why the memory is unknown.
	Source string `json:"source"`
}

// Known reports whether the peak memory was read.
func (m Memory) Known() bool { return m.PeakBytes > 0 }

// serverMemory reads the peak memory of Config.ServerPID, or else of the process that listens on
// the port of Config.Addr.
func serverMemory(cfg Config) Memory {
	pid, source, err := serverPID(cfg.Addr, cfg.ServerPID)
	if err != nil {
		return Memory{Source: "unknown: " + err.Error()}
	}
	peak, err := PeakMemory(pid)
	if err != nil {
		return Memory{PID: pid, Source: "unknown: " + err.Error()}
	}
	return Memory{PID: pid, PeakBytes: peak, Source: source}
}

// serverPID returns pid if it is set, else the process listening on the port of addr, and says
// which.
func serverPID(addr string, pid int) (int, string, error) {
	if pid != 0 {
		return pid, "--server-pid", nil
	}
	port, err := addrPort(addr)
	if err == nil {
		pid, err = ListenerPID(port)
	}
	if err != nil {
		return 0, "", err
	}
	return pid, fmt.Sprintf("the process listening on port %d", port), nil
}

// addrPort returns the port of a URL or host:port, 80 or 443 by the scheme when it has none.
func addrPort(addr string) (int, error) {
	u, err := url.Parse(BaseURL(addr))
	if err != nil {
		return 0, err
	}
	switch p := u.Port(); {
	case p != "":
		return strconv.Atoi(p)
	case u.Scheme == "https":
		return 443, nil
	}
	return 80, nil
}

// PeakMemory returns a process's peak resident memory in bytes: VmHWM of /proc/PID/status (Linux).
func PeakMemory(pid int) (int64, error) { return statusBytes(pid, "VmHWM") }

// ResidentMemory returns a process's resident memory now, in bytes: VmRSS of /proc/PID/status
// (Linux).
func ResidentMemory(pid int) (int64, error) { return statusBytes(pid, "VmRSS") }

// statusBytes reads a field in kB of /proc/PID/status, in bytes.
func statusBytes(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the status of process %d: %w", pid, err)
	}
	for line := range strings.Lines(string(data)) {
		rest, ok := strings.CutPrefix(line, field+":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest) // "12345 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			break
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("process %d has no %s in its status", pid, field)
}

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// ListenerPID returns the process that listens on a TCP port of this machine: it finds the
// listening sockets' inodes in /proc/net/tcp and tcp6, then the process holding one of them among
// the /proc/*/fd it may read (Linux; only the user's own processes, unless root).
func ListenerPID(port int) (int, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if err := listeningInodes(table, port, inodes); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("no socket listens on port %d", port)
	}
	fds, err := filepath.Glob("/proc/[0-9]*/fd/*")
	if err != nil {
		return 0, err
	}
	for _, fd := range fds {
		link, err := os.Readlink(fd)
		if err != nil {
			continue // another user's process, or one that has exited
		}
		inode, ok := strings.CutPrefix(link, "socket:[")
		if !ok || !inodes[strings.TrimSuffix(inode, "]")] {
			continue
		}
		pid, err := strconv.Atoi(strings.Split(fd, "/")[2])
		if err == nil {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no process of this user holds the socket listening on port %d", port)
}

// listeningInodes adds to inodes those of the sockets in a /proc/net/tcp table that listen on port.
func listeningInodes(table string, port int, inodes map[string]bool) error {
	data, err := os.ReadFile(table)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan() // the header
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != tcpListen {
			continue
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		if p, err := strconv.ParseUint(hexPort, 16, 16); ok && err == nil && int(p) == port {
			inodes[f[9]] = true
		}
	}
	return sc.Err()
}
