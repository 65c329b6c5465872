package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

var (
	webhookIDPattern     = regexp.MustCompile(`^wh_[0-9a-f]{24}$`)
	webhookSecretPattern = regexp.MustCompile(`^whsec_[0-9a-f]{64}$`)
)

// createWebhook creates an endpoint, failing the test on error.
func (e *env) createWebhook(req client.CreateWebhookRequest) *client.CreatedWebhook {
	e.t.Helper()
	w, err := e.admin.CreateWebhook(context.Background(), req)
	if err != nil {
		e.t.Fatalf("create webhook %s: %v", req.URL, err)
	}
	return w
}

// webhook returns an endpoint as the API shows it, failing the test on error.
func (e *env) webhook(id string) *client.Webhook {
	e.t.Helper()
	w, err := e.admin.Webhook(context.Background(), id)
	if err != nil {
		e.t.Fatalf("webhook %s: %v", id, err)
	}
	return w
}

// webhooksJSON is every endpoint as GET /v1/webhooks answers it: what a refused request must
// leave as it was.
func (e *env) webhooksJSON() string {
	e.t.Helper()
	status, body := e.raw("GET", "/v1/webhooks?limit=1000", adminKey, "")
	if status != 200 {
		e.t.Fatalf("GET /v1/webhooks: %d %s", status, body)
	}
	return string(body)
}

// lastSeq returns the newest event's seq.
func (e *env) lastSeq() uint64 {
	e.t.Helper()
	cs, ok := e.store.(coffer.CursorStore)
	if !ok {
		e.t.Fatalf("the store %T keeps no cursors", e.store)
	}
	seq, err := cs.LastEventSeq(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// webhookStore returns the test store as a coffer.WebhookStore.
func (e *env) webhookStore() coffer.WebhookStore {
	e.t.Helper()
	ws, ok := e.store.(coffer.WebhookStore)
	if !ok {
		e.t.Fatalf("the store %T keeps no webhook endpoints", e.store)
	}
	return ws
}

// wantError checks a raw answer: the status, the code, the param and a message that contains
// each of the words.
func wantError(t *testing.T, status int, body []byte, wantStatus int, code, param string, words ...string) {
	t.Helper()
	wantEnvelope(t, status, body, wantStatus, code)
	var env client.ErrorResponse
	json.Unmarshal(body, &env)
	if env.Error.Param != param {
		t.Errorf("param %q (%s), want %q", env.Error.Param, env.Error.Message, param)
	}
	for _, w := range words {
		if !strings.Contains(env.Error.Message, w) {
			t.Errorf("message %q does not say %q", env.Error.Message, w)
		}
	}
}

// near checks that a time is within a minute of want.
func near(t *testing.T, what string, got *client.Time, want time.Time) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s is absent, want about %s", what, want)
	}
	if d := got.Sub(want); d < -time.Minute || d > time.Minute {
		t.Errorf("%s is %s, want about %s", what, got, want)
	}
}

func TestWebhookCreate(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	last := e.lastSeq()
	before := time.Now()
	w := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/hooks?source=coffer",
		Events: []string{"transfer.posted", "transfer.created"}, Description: "payouts service"})
	switch {
	case !webhookIDPattern.MatchString(w.ID):
		t.Errorf("id %q", w.ID)
	case !webhookSecretPattern.MatchString(w.Secret):
		t.Errorf("secret %q", w.Secret)
	case w.URL != "https://example.com/hooks?source=coffer" || w.Description != "payouts service" || w.Status != "active" || w.Failures != 0:
		t.Errorf("created %+v", w)
	case !slices.Equal(w.Events, []string{"transfer.created", "transfer.posted"}):
		t.Errorf("events %v, want them sorted", w.Events)
	case w.NextAttemptAt != nil || w.DeadAt != nil || w.DeadReason != "" || w.PreviousSecretExpiresAt != nil:
		t.Errorf("a new endpoint has delivery state: %+v", w)
	case w.ReplayAfter == nil || *w.ReplayAfter != last || last == 0:
		t.Errorf("replay_after %v, want the newest seq at the creation, %d", w.ReplayAfter, last)
	case !w.CreatedAt.Equal(w.UpdatedAt.Time):
		t.Errorf("created_at %s, updated_at %s", w.CreatedAt, w.UpdatedAt)
	}
	near(t, "created_at", &w.CreatedAt, before)

	// The secret is shown once: never by GET, the list or a change.
	got := e.webhook(w.ID)
	if !webhookEqual(*got, w.Webhook) {
		t.Errorf("GET answers %+v, want %+v", got, w.Webhook)
	}
	for _, path := range []string{"/v1/webhooks/" + w.ID, "/v1/webhooks"} {
		if _, body := e.raw("GET", path, adminKey, ""); strings.Contains(string(body), w.Secret) || strings.Contains(string(body), "secret\"") {
			t.Errorf("GET %s shows the secret: %s", path, body)
		}
	}
	if _, body := e.raw("PATCH", "/v1/webhooks/"+w.ID, adminKey, `{"description":"x"}`); strings.Contains(string(body), w.Secret) {
		t.Errorf("PATCH shows the secret: %s", body)
	}

	// Every type: events is an empty array, never null or absent; the states not set are absent.
	status, body := e.raw("POST", "/v1/webhooks", adminKey, `{"url":"http://10.0.0.7:8080/in"}`)
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	var all map[string]any
	if err := json.Unmarshal(body, &all); err != nil {
		t.Fatal(err)
	}
	if ev, ok := all["events"].([]any); !ok || len(ev) != 0 || all["description"] != "" || all["replay_after"] != float64(last) {
		t.Errorf("an endpoint of every type: %s", body)
	}
	for _, absent := range []string{"next_attempt_at", "dead_at", "dead_reason", "previous_secret_expires_at"} {
		if _, ok := all[absent]; ok {
			t.Errorf("%s is written though not set: %s", absent, body)
		}
	}
	secrets := map[string]bool{w.Secret: true}
	for range 3 {
		s := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/"}).Secret
		if secrets[s] {
			t.Fatalf("secret %s given twice", s)
		}
		secrets[s] = true
	}
	page, err := e.admin.Webhooks(ctx, client.WebhooksQuery{})
	if err != nil || len(page.Webhooks) != 5 || page.HasMore || page.Webhooks[0].ID != w.ID {
		t.Errorf("list %+v, %v", page, err)
	}
}

func TestWebhookList(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		ids = append(ids, e.createWebhook(client.CreateWebhookRequest{URL: fmt.Sprintf("https://example.com/%d", i)}).ID)
	}
	var got []string
	q := client.WebhooksQuery{Limit: 2}
	for pages := 1; ; pages++ {
		p, err := e.admin.Webhooks(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Webhooks) > 2 || p.HasMore != (p.NextCursor != "") {
			t.Fatalf("page %d: %+v", pages, p)
		}
		for _, w := range p.Webhooks {
			got = append(got, w.ID)
		}
		if !p.HasMore {
			if pages != 3 {
				t.Errorf("%d pages of 2 for 5 endpoints", pages)
			}
			break
		}
		q.Cursor = p.NextCursor
	}
	if !slices.Equal(got, ids) {
		t.Errorf("listed %v, want the order of creation %v", got, ids)
	}

	status, body := e.raw("GET", "/v1/webhooks?cursor=nonsense", adminKey, "")
	wantError(t, status, body, 400, "invalid", "cursor", "cursor")
	status, body = e.raw("GET", "/v1/webhooks?limit=0", adminKey, "")
	wantError(t, status, body, 400, "invalid", "limit", "limit")
	status, body = e.raw("GET", "/v1/webhooks?status=active", adminKey, "")
	wantError(t, status, body, 400, "invalid", "status", "not a query parameter")
}

func TestWebhookUpdate(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	w := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/a", Events: []string{"asset.created"}, Description: "first"})
	str := func(s string) *string { return &s }
	list := func(s ...string) *[]string { return &s }
	last := w.Webhook
	for _, c := range []struct {
		name   string
		change client.UpdateWebhookRequest
		want   func(w *client.Webhook)
	}{
		{"url", client.UpdateWebhookRequest{URL: str("https://example.org/b")}, func(w *client.Webhook) { w.URL = "https://example.org/b" }},
		{"events", client.UpdateWebhookRequest{Events: list("operation.rejected", "account.locked")},
			func(w *client.Webhook) { w.Events = []string{"account.locked", "operation.rejected"} }},
		{"every event", client.UpdateWebhookRequest{Events: list()}, func(w *client.Webhook) { w.Events = []string{} }},
		{"every event from a nil list", client.UpdateWebhookRequest{Events: new([]string)}, func(w *client.Webhook) { w.Events = []string{} }},
		{"description", client.UpdateWebhookRequest{Description: str("second")}, func(w *client.Webhook) { w.Description = "second" }},
		{"no description", client.UpdateWebhookRequest{Description: str("")}, func(w *client.Webhook) { w.Description = "" }},
		{"disabled", client.UpdateWebhookRequest{Status: str("disabled")}, func(w *client.Webhook) { w.Status = "disabled" }},
		{"active", client.UpdateWebhookRequest{Status: str("active")}, func(w *client.Webhook) { w.Status = "active" }},
		{"all at once", client.UpdateWebhookRequest{URL: str("http://[::1]:9000/x"), Events: list("transfer.voided"), Description: str("third"), Status: str("disabled")},
			func(w *client.Webhook) {
				w.URL, w.Events, w.Description, w.Status = "http://[::1]:9000/x", []string{"transfer.voided"}, "third", "disabled"
			}},
	} {
		got, err := e.admin.UpdateWebhook(ctx, w.ID, c.change)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := last
		c.want(&want)
		want.UpdatedAt = got.UpdatedAt
		if got.UpdatedAt.Before(last.UpdatedAt.Time) {
			t.Errorf("%s: updated_at went back from %s to %s", c.name, last.UpdatedAt, got.UpdatedAt)
		}
		if !webhookEqual(*got, want) {
			t.Errorf("%s: answered %+v, want %+v", c.name, got, want)
		}
		if read := e.webhook(w.ID); !webhookEqual(*read, *got) {
			t.Errorf("%s: GET answers %+v after the change answered %+v", c.name, read, got)
		}
		last = *got
	}
}

// webhookEqual compares endpoints, their slices included.
func webhookEqual(a, b client.Webhook) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestWebhookBadInput sends bodies that must be refused, each answered 400 invalid with the
// field in param and a message that names what is wrong, and each leaving every endpoint as it
// was.
func TestWebhookBadInput(t *testing.T) {
	t.Parallel()
	e := setup(t)
	w := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/in", Events: []string{"transfer.created"}, Description: "d"})
	path := "/v1/webhooks/" + w.ID
	longURL := "https://example.com/" + strings.Repeat("a", 3000-len("https://example.com/"))
	longDescription := strings.Repeat("d", 257)
	cases := []struct {
		name, method, path, body string
		param                    string
		words                    []string
	}{
		// Creation.
		{"no url", "POST", "/v1/webhooks", `{"description":"x"}`, "url", []string{"url is required"}},
		{"empty url", "POST", "/v1/webhooks", `{"url":""}`, "url", []string{"url is required"}},
		{"ftp", "POST", "/v1/webhooks", `{"url":"ftp://x"}`, "url", []string{"http://", `"ftp:"`}},
		{"no host", "POST", "/v1/webhooks", `{"url":"http://"}`, "url", []string{"no host"}},
		{"credentials", "POST", "/v1/webhooks", `{"url":"http://u:p@host/"}`, "url", []string{"user or password"}},
		{"fragment", "POST", "/v1/webhooks", `{"url":"https://example.com/in#part"}`, "url", []string{"fragment"}},
		{"empty fragment", "POST", "/v1/webhooks", `{"url":"https://example.com/in#"}`, "url", []string{"fragment"}},
		{"relative", "POST", "/v1/webhooks", `{"url":"/in"}`, "url", []string{"http://"}},
		{"url too long", "POST", "/v1/webhooks", `{"url":"` + longURL + `"}`, "url", []string{"3000 bytes", "2048"}},
		{"bad port", "POST", "/v1/webhooks", `{"url":"http://example.com:0/"}`, "url", []string{"port"}},
		{"unknown event type", "POST", "/v1/webhooks", `{"url":"https://example.com/","events":["transfer.exploded"]}`, "events[0]", []string{`"transfer.exploded"`, "transfer.created"}},
		{"unknown event type later", "POST", "/v1/webhooks", `{"url":"https://example.com/","events":["transfer.created","Transfer.Posted"]}`, "events[1]", []string{`"Transfer.Posted"`}},
		{"duplicate event type", "POST", "/v1/webhooks", `{"url":"https://example.com/","events":["transfer.created","transfer.posted","transfer.created"]}`, "events[2]", []string{"twice"}},
		{"description too long", "POST", "/v1/webhooks", `{"url":"https://example.com/","description":"` + longDescription + `"}`, "description", []string{"257 bytes", "256"}},
		{"description on two lines", "POST", "/v1/webhooks", `{"url":"https://example.com/","description":"a\nb"}`, "description", []string{"one line"}},
		{"url a number", "POST", "/v1/webhooks", `{"url":5}`, "url", []string{"must be a string"}},
		{"events a string", "POST", "/v1/webhooks", `{"url":"https://example.com/","events":"transfer.created"}`, "events", []string{"must be an array"}},
		{"event a number", "POST", "/v1/webhooks", `{"url":"https://example.com/","events":[7]}`, "events[0]", []string{"must be a string"}},
		{"description a boolean", "POST", "/v1/webhooks", `{"url":"https://example.com/","description":true}`, "description", []string{"must be a string"}},
		{"null events", "POST", "/v1/webhooks", `{"url":"https://example.com/","events":null}`, "events", []string{"null"}},
		{"a secret of one's own", "POST", "/v1/webhooks", `{"url":"https://example.com/","secret":"whsec_mine"}`, "secret", []string{"not a field"}},
		{"no body", "POST", "/v1/webhooks", ``, "", nil},

		// Changes.
		{"empty change", "PATCH", path, ``, "", nil},
		{"change of nothing", "PATCH", path, `{}`, "", []string{"changes nothing"}},
		{"change to an empty url", "PATCH", path, `{"url":""}`, "url", []string{"url is required"}},
		{"change to ftp", "PATCH", path, `{"url":"ftp://x"}`, "url", []string{"http://"}},
		{"change to credentials", "PATCH", path, `{"url":"http://u:p@host/"}`, "url", []string{"user or password"}},
		{"change to a long url", "PATCH", path, `{"url":"` + longURL + `"}`, "url", []string{"2048"}},
		{"change to an unknown type", "PATCH", path, `{"events":["transfer.exploded"]}`, "events[0]", []string{`"transfer.exploded"`}},
		{"change to a duplicate type", "PATCH", path, `{"events":["account.created","account.created"]}`, "events[1]", []string{"twice"}},
		{"change to a long description", "PATCH", path, `{"description":"` + longDescription + `"}`, "description", []string{"256"}},
		{"status dead", "PATCH", path, `{"status":"dead"}`, "status", []string{`"dead"`, "active", "disabled"}},
		{"status unknown", "PATCH", path, `{"status":"paused"}`, "status", []string{`"paused"`}},
		{"status empty", "PATCH", path, `{"status":""}`, "status", nil},
		{"status a number", "PATCH", path, `{"status":1}`, "status", []string{"must be a string"}},
		{"status null", "PATCH", path, `{"status":null}`, "status", []string{"null"}},
		{"a good field with a bad one", "PATCH", path, `{"description":"fine","status":"paused"}`, "status", nil},
		{"unknown field", "PATCH", path, `{"description":"x","failures":0}`, "failures", []string{"not a field"}},
		{"a field in another case", "PATCH", path, `{"URL":"https://example.com/"}`, "URL", []string{`"url"`}},

		// Rotations and replays.
		{"negative grace", "POST", path + "/rotate-secret", `{"grace":"-1h"}`, "grace", []string{`"-1h"`}},
		{"grace too long", "POST", path + "/rotate-secret", `{"grace":"1000h"}`, "grace", []string{`"1000h"`, "720h"}},
		{"grace not a duration", "POST", path + "/rotate-secret", `{"grace":"abc"}`, "grace", []string{`"abc"`, "duration"}},
		{"grace in days", "POST", path + "/rotate-secret", `{"grace":"1d"}`, "grace", []string{"duration"}},
		{"grace a number", "POST", path + "/rotate-secret", `{"grace":24}`, "grace", []string{"must be a string"}},
		{"replay without after", "POST", path + "/replay", `{}`, "after", []string{"after is required"}},
		{"replay with no body", "POST", path + "/replay", ``, "", nil},
		{"replay after a string", "POST", path + "/replay", `{"after":"5"}`, "after", []string{"integer"}},
		{"replay after a negative", "POST", path + "/replay", `{"after":-1}`, "after", []string{"integer of 0 or more"}},
		{"replay after a fraction", "POST", path + "/replay", `{"after":1.5}`, "after", []string{"integer"}},
		{"replay after past 2^64", "POST", path + "/replay", `{"after":18446744073709551616}`, "after", []string{"integer"}},
	}
	before := e.webhooksJSON()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.raw(c.method, c.path, adminKey, c.body)
			wantError(t, status, body, 400, "invalid", c.param, c.words...)
			if after := e.webhooksJSON(); after != before {
				t.Errorf("the refused request changed the endpoints:\n%s\nto\n%s", before, after)
			}
		})
	}
}

// TestWebhookRoles checks that only an admin may touch the endpoints, and that an unknown
// endpoint is not_found on every route that names one.
func TestWebhookRoles(t *testing.T) {
	t.Parallel()
	e := setup(t)
	w := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/in"})
	routes := []struct{ method, path, body string }{
		{"POST", "/v1/webhooks", `{"url":"https://example.com/other"}`},
		{"GET", "/v1/webhooks", ``},
		{"GET", "/v1/webhooks/%s", ``},
		{"PATCH", "/v1/webhooks/%s", `{"status":"disabled"}`},
		{"DELETE", "/v1/webhooks/%s", ``},
		{"POST", "/v1/webhooks/%s/rotate-secret", `{}`},
		{"POST", "/v1/webhooks/%s/replay", `{"after":0}`},
		{"GET", "/v1/webhooks/%s/deliveries", ``},
		{"POST", "/v1/webhooks/%s/deliveries/evt_1/redeliver", ``},
	}
	before := e.webhooksJSON()
	for _, rt := range routes {
		path := rt.path
		if strings.Contains(path, "%s") {
			path = fmt.Sprintf(path, w.ID)
		}
		for _, key := range []string{e.operatorKey, e.readerKey} {
			status, body := e.raw(rt.method, path, key, rt.body)
			wantEnvelope(t, status, body, 403, "forbidden")
		}
		status, body := e.raw(rt.method, path, "", rt.body)
		wantEnvelope(t, status, body, 401, "unauthorized")
		if !strings.Contains(rt.path, "%s") {
			continue
		}
		status, body = e.raw(rt.method, fmt.Sprintf(rt.path, "wh_000000000000000000000000"), adminKey, rt.body)
		wantEnvelope(t, status, body, 404, "not_found")
	}
	if after := e.webhooksJSON(); after != before {
		t.Errorf("refused requests changed the endpoints:\n%s\nto\n%s", before, after)
	}
}

func TestWebhookRotateSecret(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	w := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/in"})
	secrets := map[string]bool{w.Secret: true}
	for _, c := range []struct {
		body  string
		grace time.Duration
	}{
		{``, 24 * time.Hour}, // no body at all: the default
		{`{}`, 24 * time.Hour},
		{`{"grace":"90m"}`, 90 * time.Minute},
		{`{"grace":"720h"}`, 720 * time.Hour},
		{`{"grace":"1ms"}`, time.Millisecond},
	} {
		start := time.Now()
		status, body := e.raw("POST", "/v1/webhooks/"+w.ID+"/rotate-secret", adminKey, c.body)
		if status != 200 {
			t.Fatalf("rotate %s: %d %s", c.body, status, body)
		}
		var got client.CreatedWebhook
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if !webhookSecretPattern.MatchString(got.Secret) || secrets[got.Secret] {
			t.Errorf("rotate %s: secret %q, want a new one", c.body, got.Secret)
		}
		secrets[got.Secret] = true
		near(t, "previous_secret_expires_at after "+c.body, got.PreviousSecretExpiresAt, start.Add(c.grace))
		if got.URL != w.URL || got.Status != "active" || got.UpdatedAt.Before(w.UpdatedAt.Time) {
			t.Errorf("rotate %s: %+v", c.body, got)
		}
		read := e.webhook(w.ID)
		if !webhookEqual(*read, got.Webhook) {
			t.Errorf("GET answers %+v after the rotation answered %+v", read, got.Webhook)
		}
		if _, body := e.raw("GET", "/v1/webhooks/"+w.ID, adminKey, ""); strings.Contains(string(body), got.Secret) {
			t.Errorf("GET shows the rotated secret: %s", body)
		}
	}
	got, err := e.admin.RotateWebhookSecret(ctx, w.ID, client.RotateWebhookSecretRequest{Grace: "1h"})
	if err != nil || secrets[got.Secret] {
		t.Fatalf("rotate through the client: %+v, %v", got, err)
	}
	near(t, "previous_secret_expires_at", got.PreviousSecretExpiresAt, time.Now().Add(time.Hour))
	// A grace of 0s drops the old secret at once, as after a leak.
	dropped, err := e.admin.RotateWebhookSecret(ctx, w.ID, client.RotateWebhookSecretRequest{Grace: "0s"})
	if err != nil || secrets[dropped.Secret] || dropped.PreviousSecretExpiresAt != nil {
		t.Fatalf("rotate with grace 0s: %+v, %v", dropped, err)
	}
	if read := e.webhook(w.ID); read.PreviousSecretExpiresAt != nil {
		t.Fatalf("after a rotation with grace 0s the old secret still signs until %s", read.PreviousSecretExpiresAt)
	}
}

func TestWebhookReplay(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	w := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/in"})
	if _, err := e.admin.UpdateWebhook(ctx, w.ID, client.UpdateWebhookRequest{Status: new("disabled")}); err != nil {
		t.Fatal(err)
	}
	got, err := e.admin.ReplayWebhook(ctx, w.ID, client.ReplayWebhookRequest{After: 7})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "active" || got.ReplayAfter == nil || *got.ReplayAfter != 7 {
		t.Errorf("replayed %+v", got)
	}
	if read := e.webhook(w.ID); !webhookEqual(*read, *got) {
		t.Errorf("GET answers %+v after the replay answered %+v", read, got)
	}
	// After 0, every event from the first, is a replay too, written as 0.
	status, body := e.raw("POST", "/v1/webhooks/"+w.ID+"/replay", adminKey, `{"after":0}`)
	if status != 200 || !strings.Contains(string(body), `"replay_after":0`) || !strings.Contains(string(body), `"status":"active"`) {
		t.Errorf("replay after 0: %d %s", status, body)
	}
}

func TestWebhookDelete(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	w := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/in"})
	other := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/other"})
	cursors, ok := e.store.(coffer.CursorStore)
	if !ok {
		t.Fatalf("the store %T keeps no cursors", e.store)
	}
	for _, id := range []string{w.ID, other.ID} {
		if err := cursors.ResetCursor(ctx, coffer.WebhookSink(id), 3); err != nil {
			t.Fatal(err)
		}
	}
	recordAttempts(t, e, w.ID, 2)

	got, err := e.admin.DeleteWebhook(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !webhookEqual(*got, w.Webhook) {
		t.Errorf("deleted %+v, want %+v", got, w.Webhook)
	}
	_, err = e.admin.Webhook(ctx, w.ID)
	wantCode(t, err, coffer.ENOTFOUND)
	_, err = e.admin.DeleteWebhook(ctx, w.ID)
	wantCode(t, err, coffer.ENOTFOUND)
	_, err = e.admin.WebhookDeliveries(ctx, w.ID, client.WebhookDeliveriesQuery{})
	wantCode(t, err, coffer.ENOTFOUND)
	page, err := e.admin.Webhooks(ctx, client.WebhooksQuery{})
	if err != nil || len(page.Webhooks) != 1 || page.Webhooks[0].ID != other.ID {
		t.Errorf("after the deletion the list is %+v, %v", page, err)
	}
	cs, err := cursors.Cursors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sinks []string
	for _, c := range cs {
		sinks = append(sinks, c.Sink)
	}
	if slices.Contains(sinks, coffer.WebhookSink(w.ID)) || !slices.Contains(sinks, coffer.WebhookSink(other.ID)) {
		t.Errorf("after the deletion the cursors are %v", sinks)
	}
	left, err := e.webhookStore().WebhookAttempts(ctx, coffer.WebhookAttemptFilter{Webhook: w.ID, Limit: 10})
	if err != nil || len(left) != 0 {
		t.Errorf("after the deletion its attempts are %+v, %v", left, err)
	}
}

// recordAttempts stores n attempts at the events evt_1 to evt_n for the endpoint, through the
// store as the relay records them, and returns them as stored (newest first).
func recordAttempts(t *testing.T, e *env, id string, n int) []coffer.WebhookAttempt {
	t.Helper()
	ctx := context.Background()
	ws := e.webhookStore()
	w, err := ws.Webhook(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var as []coffer.WebhookAttempt
	for i := 1; i <= n; i++ {
		a := coffer.WebhookAttempt{Webhook: id, EventID: coffer.EventID(uint64(i)), Seq: uint64(i), Attempt: 1,
			At: at.Add(time.Duration(i) * time.Second), Latency: 12345 * time.Microsecond, Status: 200,
			Response: "ok", Outcome: coffer.AttemptDelivered}
		if i%2 == 0 {
			a.Status, a.Error, a.Response, a.Outcome = 503, "HTTP 503", "busy", coffer.AttemptFailed
		}
		as = append(as, a)
	}
	if err := ws.RecordWebhookAttempts(ctx, id, w.Revision, as, nil); err != nil {
		t.Fatal(err)
	}
	stored, err := ws.WebhookAttempts(ctx, coffer.WebhookAttemptFilter{Webhook: id, Limit: n})
	if err != nil || len(stored) != n {
		t.Fatalf("stored attempts %+v, %v", stored, err)
	}
	return stored
}

func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	w := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/in"})

	// None yet: an empty page, with attempts an empty array.
	status, body := e.raw("GET", "/v1/webhooks/"+w.ID+"/deliveries", adminKey, "")
	if status != 200 || strings.TrimSpace(string(body)) != `{"attempts":[],"has_more":false}` {
		t.Errorf("no deliveries: %d %s", status, body)
	}

	stored := recordAttempts(t, e, w.ID, 5)
	var got []client.WebhookAttempt
	q := client.WebhookDeliveriesQuery{Limit: 2}
	for pages := 1; ; pages++ {
		p, err := e.admin.WebhookDeliveries(ctx, w.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Attempts) > 2 || p.HasMore != (p.NextCursor != "") {
			t.Fatalf("page %d: %+v", pages, p)
		}
		got = append(got, p.Attempts...)
		if !p.HasMore {
			if pages != 3 {
				t.Errorf("%d pages of 2 for 5 attempts", pages)
			}
			break
		}
		q.Cursor = p.NextCursor
	}
	if len(got) != len(stored) {
		t.Fatalf("listed %d attempts, want %d", len(got), len(stored))
	}
	for i, a := range got {
		s := stored[i]
		if !a.At.Equal(s.At) {
			t.Errorf("attempt %d at %s, stored at %s", i, a.At, s.At)
		}
		a.At = client.Time{}
		want := client.WebhookAttempt{ID: s.ID, EventID: s.EventID, Seq: s.Seq, Attempt: 1,
			LatencyMs: 12.345, Status: s.Status, Error: s.Error, Response: s.Response, Outcome: s.Outcome}
		if a != want {
			t.Errorf("attempt %d: %+v, want %+v", i, a, want)
		}
		if i > 0 && a.ID >= got[i-1].ID {
			t.Errorf("attempt %d has id %d after %d: want newest first", i, a.ID, got[i-1].ID)
		}
	}
	if got[0].Seq != 5 || got[0].Outcome != "delivered" || got[1].Outcome != "failed" || got[1].Status != 503 {
		t.Errorf("newest attempts %+v", got[:2])
	}

	// One event's attempts.
	p, err := e.admin.WebhookDeliveries(ctx, w.ID, client.WebhookDeliveriesQuery{EventID: "evt_4"})
	if err != nil || len(p.Attempts) != 1 || p.Attempts[0].EventID != "evt_4" || p.HasMore {
		t.Errorf("evt_4's attempts %+v, %v", p, err)
	}
	p, err = e.admin.WebhookDeliveries(ctx, w.ID, client.WebhookDeliveriesQuery{EventID: "evt_99"})
	if err != nil || len(p.Attempts) != 0 || p.HasMore {
		t.Errorf("evt_99's attempts %+v, %v", p, err)
	}

	for _, c := range []struct{ query, param string }{
		{"event_id=99", "event_id"},
		{"event_id=evt_0", "event_id"},
		{"event_id=evt_007", "event_id"},
		{"cursor=nonsense", "cursor"},
		{"cursor=MA", "cursor"}, // "0"
		{"limit=1001", "limit"},
		{"after=3", "after"},
	} {
		status, body := e.raw("GET", "/v1/webhooks/"+w.ID+"/deliveries?"+c.query, adminKey, "")
		wantError(t, status, body, 400, "invalid", c.param)
	}
}

func TestWebhookRedeliverRefusals(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	w := e.createWebhook(client.CreateWebhookRequest{URL: "https://example.com/in"})
	for _, id := range []string{"1", "evt_", "evt_0", "evt_01", "evt_-1", "evt_+1", "evt_1x", "EVT_1", "evt_18446744073709551616"} {
		status, body := e.raw("POST", "/v1/webhooks/"+w.ID+"/deliveries/"+id+"/redeliver", adminKey, "")
		wantError(t, status, body, 400, "invalid", "event_id", "not an event id")
	}
	_, err := e.admin.RedeliverWebhook(ctx, "wh_000000000000000000000000", "evt_1")
	wantCode(t, err, coffer.ENOTFOUND)
	_, err = e.admin.RedeliverWebhook(ctx, w.ID, "evt_999999")
	wantCode(t, err, coffer.ENOTFOUND)
	p, err := e.admin.WebhookDeliveries(ctx, w.ID, client.WebhookDeliveriesQuery{})
	if err != nil || len(p.Attempts) != 0 {
		t.Errorf("refused redeliveries recorded attempts: %+v, %v", p, err)
	}
}

// TestWebhooksUnavailable checks the routes of a server whose store keeps no webhook endpoints:
// unavailable, with a sentence that says why.
func TestWebhooksUnavailable(t *testing.T) {
	t.Parallel()
	store := testdb.SQLite(t)
	l := ledger.New(store, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	// Only the methods of coffer.Store: no WebhookStore.
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Ledger: l, Store: struct{ coffer.Store }{store}, AdminKey: adminKey,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	c := client.New(srv.URL, adminKey)
	ctx := context.Background()
	_, err := c.CreateWebhook(ctx, client.CreateWebhookRequest{URL: "https://example.com/in"})
	wantCode(t, err, coffer.EUNAVAILABLE)
	if !strings.Contains(coffer.ErrorMessage(err), "webhook") {
		t.Errorf("message %q", coffer.ErrorMessage(err))
	}
	_, err = c.Webhooks(ctx, client.WebhooksQuery{})
	wantCode(t, err, coffer.EUNAVAILABLE)
	_, err = c.RedeliverWebhook(ctx, "wh_000000000000000000000000", "evt_1")
	wantCode(t, err, coffer.EUNAVAILABLE)
}
