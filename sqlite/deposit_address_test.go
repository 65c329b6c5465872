package sqlite_test

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkLookupDepositAddresses looks up a block range's worth of recipients, 2,000
// addresses of which one in ten is Coffer's, among 10,000 deposit addresses: the chain watcher's
// query.
func BenchmarkLookupDepositAddresses(b *testing.B) {
	s := open(b)
	ctx := context.Background()
	const owners, asked = 10_000, 2_000
	derive := func(i uint32) (string, error) { return fmt.Sprintf("0xAbCd%036x", i), nil }
	for i := range owners {
		if _, _, err := s.AssignDepositAddress(ctx, "ethereum", fmt.Sprintf("owner-%d", i), derive); err != nil {
			b.Fatal(err)
		}
	}
	addresses := make([]string, asked)
	for i := range addresses {
		if i%10 == 0 {
			addresses[i] = fmt.Sprintf("0xabcd%036x", i*3)
		} else {
			addresses[i] = fmt.Sprintf("0x%040x", i+1<<40)
		}
	}
	for b.Loop() {
		found, err := s.LookupDepositAddresses(ctx, "ethereum", addresses)
		if err != nil || len(found) != asked/10 {
			b.Fatalf("found %d, %v; want %d", len(found), err, asked/10)
		}
	}
}
