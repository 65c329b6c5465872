package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	k, err := e.admin.CreateKey(ctx, client.CreateKeyRequest{Name: "payouts", Role: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^ck_[0-9a-f]{64}$`).MatchString(k.Secret) || !regexp.MustCompile(`^key_[0-9a-f]{16}$`).MatchString(k.ID) ||
		k.Role != "operator" || k.Name != "payouts" || k.RevokedAt != nil {
		t.Errorf("created %+v", k)
	}
	c := client.New(e.url, k.Secret)
	if _, err := c.Deposit(ctx, client.DepositRequest{ID: "d-1", Owner: "alice", Asset: "USD", Amount: "1"}); err != nil {
		t.Fatalf("the new key: %v", err)
	}

	ks, err := e.admin.Keys(ctx, client.KeysQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys) != 3 || ks.Keys[2].ID != k.ID || ks.HasMore {
		t.Errorf("keys %+v", ks)
	}
	if _, body := e.raw("GET", "/v1/keys", adminKey, ""); bytes.Contains(body, []byte("secret")) ||
		bytes.Contains(body, []byte(k.Secret)) || bytes.Contains(body, []byte("hash")) {
		t.Errorf("the key list shows secrets: %s", body)
	}

	// Revoked here: refused at once.
	rk, err := e.admin.RevokeKey(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rk.RevokedAt == nil {
		t.Errorf("revoked %+v", rk)
	}
	_, err = c.Deposit(ctx, client.DepositRequest{ID: "d-2", Owner: "alice", Asset: "USD", Amount: "1"})
	wantCode(t, err, coffer.EUNAUTHORIZED)
	again, err := e.admin.RevokeKey(ctx, k.ID)
	if err != nil || !again.RevokedAt.Equal(rk.RevokedAt.Time) {
		t.Errorf("revoked again: %+v, %v", again, err)
	}
	_, err = e.admin.RevokeKey(ctx, "key_0000000000000000")
	wantCode(t, err, coffer.ENOTFOUND)

	// Roles.
	_, err = e.operator.Keys(ctx, client.KeysQuery{})
	wantCode(t, err, coffer.EFORBIDDEN)
	_, err = e.reader.Deposit(ctx, client.DepositRequest{ID: "d-3", Owner: "alice", Asset: "USD", Amount: "1"})
	wantCode(t, err, coffer.EFORBIDDEN)
	if _, err := e.reader.Balances(ctx, "alice"); err != nil {
		t.Errorf("a reader reads: %v", err)
	}
	_, err = e.admin.CreateKey(ctx, client.CreateKeyRequest{Name: "x", Role: "root"})
	wantCode(t, err, coffer.EINVALID)

	// No key, a malformed header, an unknown key.
	for _, h := range []string{"", "Bearer", "Bearer ", "Basic " + adminKey, "Bearer ck_unknown", adminKey} {
		req, _ := http.NewRequest("GET", e.url+"/v1/assets", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		wantEnvelope(t, resp.StatusCode, body.Bytes(), http.StatusUnauthorized, "unauthorized")
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d-1", "alice", "USD", "10")
	if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: "h-1", Owner: "alice", Asset: "USD", Amount: "4"}); err != nil {
		t.Fatal(err)
	}
	rep, err := e.admin.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 9 system accounts and alice's wallet; 2 transfers; deposit 2 entries, hold 2.
	if !rep.OK || rep.Accounts != 10 || rep.Transfers != 2 || rep.Entries != 4 || rep.Violations == nil {
		t.Errorf("report %+v", rep)
	}
	_, err = e.operator.Verify(ctx)
	wantCode(t, err, coffer.EFORBIDDEN)
}
