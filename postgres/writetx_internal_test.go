package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// TestWriteTxSettings checks the settings of write transactions: random_page_cost is
// randomPageCostWrite unless the URL sets one, and the server's outside them; plan_cache_mode is
// the connection's again for statements after Save.
func TestWriteTxSettings(t *testing.T) {
	tests := []struct {
		name, param, want string
	}{
		{"default", "", randomPageCostWrite},
		{"set in the URL", "random_page_cost=2", "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			u := TestURL(t)
			if tt.param != "" {
				sep := " "
				if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
					sep = "&"
				}
				u += sep + tt.param
			}
			s, err := Open(ctx, u, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var outside string
			if err := s.pool.QueryRow(ctx, "SHOW random_page_cost").Scan(&outside); err != nil {
				t.Fatal(err)
			}
			var inside, planning string
			err = s.Write(ctx, func(tx coffer.WriteTx) error {
				w := tx.(*writeTx)
				if _, err := w.Operations(ctx, []string{"begins the transaction"}); err != nil {
					return err
				}
				if err := w.tx.QueryRow(ctx, "SHOW random_page_cost").Scan(&inside); err != nil {
					return err
				}
				c := &coffer.Changes{Events: []coffer.Event{{Type: "t", Subject: "s", CreatedAt: time.Now()}}}
				if err := w.Save(ctx, c); err != nil {
					return err
				}
				if _, err := w.Operations(ctx, []string{"after Save"}); err != nil {
					return err
				}
				return w.tx.QueryRow(ctx, "SHOW plan_cache_mode").Scan(&planning)
			})
			if err != nil {
				t.Fatal(err)
			}
			if inside != tt.want {
				t.Errorf("random_page_cost in a write = %s; want %s", inside, tt.want)
			}
			if planning != "force_custom_plan" {
				t.Errorf("plan_cache_mode after Save = %s; want force_custom_plan, as Open sets it", planning)
			}
			var after string
			if err := s.pool.QueryRow(context.Background(), "SHOW random_page_cost").Scan(&after); err != nil {
				t.Fatal(err)
			}
			if after != outside {
				t.Errorf("random_page_cost after a write = %s; want %s as before", after, outside)
			}
		})
	}
}
