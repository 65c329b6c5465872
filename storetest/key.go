package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func testKeys(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	admin := coffer.Key{ID: "key-1", Name: "ops laptop ü", Role: coffer.RoleAdmin,
		Hash: strings.Repeat("a1", 32), CreatedAt: t0}
	reader := coffer.Key{ID: "key-2", Name: "dashboard", Role: coffer.RoleReader,
		Hash: strings.Repeat("b2", 32), CreatedAt: at(1)}
	old := coffer.Key{ID: "key-0", Name: "revoked at birth", Role: coffer.RoleOperator,
		Hash: strings.Repeat("c3", 32), CreatedAt: at(2), RevokedAt: ptr(at(3))}
	for _, k := range []coffer.Key{admin, reader, old} {
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatalf("CreateKey(%s): %v", k.ID, err)
		}
	}
	for _, want := range []coffer.Key{admin, reader, old} {
		got, err := s.KeyByHash(ctx, want.Hash)
		if err != nil {
			t.Fatalf("KeyByHash(%s): %v", want.ID, err)
		}
		same(t, "KeyByHash("+want.ID+")", got, want)
	}
	_, err := s.KeyByHash(ctx, strings.Repeat("d4", 32))
	wantCode(t, "KeyByHash(unknown)", err, coffer.ENOTFOUND)

	revokedAt := at(10).Add(time.Microsecond)
	if err := s.RevokeKey(ctx, admin.ID, revokedAt); err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	got, err := s.KeyByHash(ctx, admin.Hash)
	if err != nil {
		t.Fatalf("KeyByHash: %v", err)
	}
	admin.RevokedAt = &revokedAt
	same(t, "revoked key", got, admin)

	wantCode(t, "RevokeKey(revoked)", s.RevokeKey(ctx, admin.ID, at(11)), coffer.ENOTFOUND)
	wantCode(t, "RevokeKey(revoked at creation)", s.RevokeKey(ctx, old.ID, at(11)), coffer.ENOTFOUND)
	wantCode(t, "RevokeKey(unknown)", s.RevokeKey(ctx, "key-9", at(11)), coffer.ENOTFOUND)
	got, err = s.KeyByHash(ctx, admin.Hash)
	if err != nil {
		t.Fatalf("KeyByHash: %v", err)
	}
	same(t, "key revoked twice", got, admin) // the first revocation stands

	keys, err := s.Keys(ctx)
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	slices.SortFunc(keys, func(a, b coffer.Key) int { return strings.Compare(a.ID, b.ID) })
	same(t, "Keys", keys, []coffer.Key{old, admin, reader})

	if err := s.CreateKey(ctx, coffer.Key{ID: admin.ID, Name: "again", Role: coffer.RoleReader,
		Hash: strings.Repeat("e5", 32), CreatedAt: t0}); err == nil {
		t.Errorf("CreateKey with a taken id succeeded")
	}
	if err := s.CreateKey(ctx, coffer.Key{ID: "key-3", Name: "same secret", Role: coffer.RoleReader,
		Hash: reader.Hash, CreatedAt: t0}); err == nil {
		t.Errorf("CreateKey with a taken hash succeeded")
	}
}
