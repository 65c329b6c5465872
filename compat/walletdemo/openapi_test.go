package walletdemo_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/compat/walletdemo"
	"github.com/cofferhq/coffer/internal/testdb"
)

type operation struct {
	Role       *string `json:"x-role"`
	Parameters []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Responses map[string]any `json:"responses"`
}

// TestOpenAPI holds the profile's OpenAPI document to the code: every route with its role and
// query parameters and nothing else, the errors every operation may answer, each schema's
// members those of the type it names, and the document served to anyone at OpenAPIPath.
func TestOpenAPI(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]operation `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	e := setup(t, testdb.Kinds()[0])
	seen := map[string]bool{}
	for _, rt := range e.routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s is not in the document", rt.Pattern)
			continue
		}
		seen[rt.Pattern] = true
		if op.Role == nil || *op.Role != string(rt.Role) {
			t.Errorf("%s: x-role %v, want %q", rt.Pattern, op.Role, rt.Role)
		}
		var query []string
		for _, p := range op.Parameters {
			if p.In == "query" {
				query = append(query, p.Name)
			}
		}
		if !slices.Equal(query, rt.Query) {
			t.Errorf("%s: query parameters %v documented, %v taken", rt.Pattern, query, rt.Query)
		}
		need := []string{"400", "500", "503"}
		if rt.Role != "" {
			need = append(need, "401", "403")
		}
		for _, code := range need {
			if op.Responses[code] == nil {
				t.Errorf("%s: no %s response documented", rt.Pattern, code)
			}
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !seen[strings.ToUpper(method)+" "+path] {
				t.Errorf("the document has %s %s, which is no route", method, path)
			}
		}
	}
	for name, v := range map[string]any{
		"CreateWalletRequest": walletdemo.CreateWalletRequest{}, "Wallet": walletdemo.Wallet{},
		"MoneyRequest": walletdemo.MoneyRequest{}, "Message": walletdemo.Message{},
		"Transaction": walletdemo.Transaction{}, "ReconcileRequest": walletdemo.ReconcileRequest{},
		"Reconciliation": walletdemo.Reconciliation{}, "Error": walletdemo.ErrorResponse{},
		"CryptoDepositRequest": walletdemo.CryptoDepositRequest{}, "CryptoWithdrawRequest": walletdemo.CryptoWithdrawRequest{},
		"CryptoAnswer": walletdemo.CryptoAnswer{}, "CryptoTransaction": walletdemo.CryptoTransaction{},
	} {
		var fields []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			fields = append(fields, strings.Split(rt.Field(i).Tag.Get("json"), ",")[0])
		}
		var documented []string
		for p := range doc.Components.Schemas[name].Properties {
			documented = append(documented, p)
		}
		slices.Sort(fields)
		slices.Sort(documented)
		if !slices.Equal(fields, documented) {
			t.Errorf("schema %s documents %v; %T has %v", name, documented, v, fields)
		}
	}
	resp, err := http.Get(e.demo.base + walletdemo.OpenAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	served, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(served, raw) {
		t.Errorf("GET %s without a key: %d, %d bytes; want 200 and the document", walletdemo.OpenAPIPath, resp.StatusCode, len(served))
	}
}
