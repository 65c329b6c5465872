package testtoken_test

import (
	"os"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/chain/testtoken"
)

// TestBindingsMatchArtifacts catches a half-updated commit: the bytecode and ABI compiled into
// the bindings must be those of chain/contracts/build, byte for byte.
func TestBindingsMatchArtifacts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		bin     string
		abiJSON string
	}{
		{"CofferTestToken", testtoken.CofferTestTokenMetaData.Bin, testtoken.CofferTestTokenMetaData.ABI},
		{"NoReturnToken", testtoken.NoReturnTokenMetaData.Bin, testtoken.NoReturnTokenMetaData.ABI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin, err := os.ReadFile("../contracts/build/" + tc.name + ".bin")
			if err != nil {
				t.Fatal(err)
			}
			if want := "0x" + strings.TrimSuffix(string(bin), "\n"); tc.bin != want {
				t.Errorf("the bindings' Bin is not build/%s.bin: run make contracts and commit everything it writes", tc.name)
			}
			abiJSON, err := os.ReadFile("../contracts/build/" + tc.name + ".abi")
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimSuffix(string(abiJSON), "\n"); tc.abiJSON != want {
				t.Errorf("the bindings' ABI is not build/%s.abi: run make contracts and commit everything it writes", tc.name)
			}
		})
	}
}
