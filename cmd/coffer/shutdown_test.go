package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

const (
	// shutdownClients is how many clients keep a connection alive to the server and send
	// deposits on it back to back when SIGTERM comes.
	shutdownClients = 32
	// shutdownAckedBefore is how many deposits are acknowledged before the signal.
	shutdownAckedBefore = 400
)

// TestShutdownUnderLoad sends SIGTERM to a real `coffer serve` while many clients send requests
// on kept-alive connections. Every request sent gets an HTTP answer, 201 or 503 unavailable,
// never a reset or a dropped connection; /readyz answers 503 as soon as the server says it is
// draining; the server exits 0; every 201 is in the ledger and no refused request is.
func TestShutdownUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	ctx := context.Background()
	database := filepath.Join(t.TempDir(), "coffer.db")
	srv := startServer(t, database, crashAdminKey)
	if _, err := client.New(srv.URL(), crashAdminKey).CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	// The probe keeps its own connection alive from before the signal, as a load balancer's
	// health checker does.
	probe := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	if status, _ := get(t, probe, srv.URL()+"/readyz"); status != http.StatusOK {
		t.Fatalf("readyz before the signal: %d", status)
	}

	var (
		mu                      sync.Mutex
		acked, refused, dropped []string
		notSent                 int
		ackedN                  int
		signal                  = make(chan struct{})
		wg                      sync.WaitGroup
	)
	for w := range shutdownClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer hc.CloseIdleConnections()
			for i := 0; ; i++ {
				id := fmt.Sprintf("s%d-%d", w, i)
				status, code, err := deposit(hc, srv.URL(), id, fmt.Sprint("o", w%8))
				mu.Lock()
				switch {
				case err != nil && isDialError(err):
					// The listener is closed: the request was never sent.
					notSent++
				case err != nil:
					dropped = append(dropped, fmt.Sprintf("%s: %v", id, err))
				case status == http.StatusCreated:
					acked = append(acked, id)
					if ackedN++; ackedN == shutdownAckedBefore {
						close(signal)
					}
				case status == http.StatusServiceUnavailable && code == coffer.EUNAVAILABLE:
					refused = append(refused, id)
				default:
					t.Errorf("%s: HTTP %d %s", id, status, code)
				}
				mu.Unlock()
				if err != nil || status != http.StatusCreated {
					return
				}
			}
		}()
	}
	<-signal
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.logged("draining"):
		if status, code := get(t, probe, srv.URL()+"/readyz"); status != http.StatusServiceUnavailable || code != coffer.EUNAVAILABLE {
			t.Errorf("readyz while draining, on a kept-alive connection: HTTP %d %q; want 503 unavailable", status, code)
		}
	case <-srv.done:
		t.Errorf("the server exited without saying it was draining")
	}
	wg.Wait()
	<-srv.done
	if srv.err != nil {
		t.Errorf("after SIGTERM the server exited with %v, want 0", srv.err)
	}
	t.Logf("%d acknowledged, %d refused with 503, %d never sent (listener closed), %d dropped", len(acked), len(refused), notSent, len(dropped))
	for _, d := range dropped {
		t.Errorf("a request sent got no answer: %s", d)
	}

	store, err := openStore(ctx, database, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, id := range acked {
		if _, err := store.Transfer(ctx, id); err != nil {
			t.Errorf("acknowledged %s: %v", id, err)
		}
	}
	for _, id := range refused {
		if _, err := store.Transfer(ctx, id); coffer.ErrorCode(err) != coffer.ENOTFOUND {
			t.Errorf("refused %s is in the ledger: %v", id, err)
		}
	}
}

// deposit sends one deposit of 1.00 and returns the status and, for an error, its code.
func deposit(hc *http.Client, base, id, owner string) (status int, code string, err error) {
	body, _ := json.Marshal(client.DepositRequest{ID: id, Owner: owner, Asset: "USD", Amount: "1.00"})
	req, err := http.NewRequest(http.MethodPost, base+"/v1/deposits", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+crashAdminKey)
	req.Header.Set("Content-Type", "application/json")
	return do(hc, req)
}

// get sends a GET and returns the status and, for an error, its code.
func get(t *testing.T, hc *http.Client, url string) (status int, code string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, code, err = do(hc, req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return status, code
}

func do(hc *http.Client, req *http.Request) (status int, code string, err error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", fmt.Errorf("read the answer: %w", err)
	}
	if resp.StatusCode >= 400 {
		var e client.ErrorResponse
		if err := json.Unmarshal(data, &e); err != nil {
			return resp.StatusCode, "", fmt.Errorf("HTTP %d, not the API's JSON: %q", resp.StatusCode, data)
		}
		code = e.Error.Code
	}
	return resp.StatusCode, code, nil
}

// isDialError reports whether err is a failure to connect, before anything was sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
