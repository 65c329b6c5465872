package client_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// shopMain is the program of another module that TestUseFromAnotherModule builds: it uses the
// client as a user's program would, by its import path.
const shopMain = `package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

func main() {
	ctx := context.Background()
	c := client.New(os.Getenv("COFFER_ADDR"), os.Getenv("COFFER_API_KEY"))
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "EUR", Scale: 2}); err != nil {
		log.Fatal(err)
	}
	_, err := c.Deposit(ctx, client.DepositRequest{ID: "shop-dep-1", Owner: "shop-customer-1", Asset: "EUR", Amount: "12.50"})
	if err != nil {
		log.Fatal(err)
	}
	balances, err := c.Balances(ctx, "shop-customer-1")
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range balances.Balances {
		fmt.Println(b.AccountID, b.Balance, b.Available)
	}
	_, err = c.Account(ctx, "wallet:nobody:EUR")
	fmt.Println(coffer.ErrorCode(err))
}
`

// TestUseFromAnotherModule builds a program of another module that imports the client by its
// module path, with a replace only to find this checkout, and runs it against the test server.
// The build is offline (GOPROXY=off): what it needs must already be in the module cache that
// building this checkout filled. It also lists what the program compiles in: this module's
// client and root package and the standard library, nothing else.
func TestUseFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program of another module")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	goLine, err := goDirective(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	goMod := fmt.Sprintf("module example.com/shop\n\n%s\n\nrequire github.com/cofferhq/coffer v0.0.0\n\nreplace github.com/cofferhq/coffer => %s\n", goLine, root)
	writeFile(t, filepath.Join(dir, "go.mod"), goMod)
	writeFile(t, filepath.Join(dir, "main.go"), shopMain)
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	goCmd := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s in a module that imports the client: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return out
	}

	bin := filepath.Join(dir, "shop")
	goCmd("build", "-o", bin, ".")
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "COFFER_ADDR="+serverURL, "COFFER_API_KEY="+apiKey)
	var stderr bytes.Buffer
	run.Stderr = &stderr
	got, err := run.Output()
	if err != nil {
		t.Fatalf("the program failed: %v\n%s", err, stderr.Bytes())
	}
	if want := "wallet:shop-customer-1:EUR 12.50 12.50\nnot_found\n"; string(got) != want {
		t.Errorf("the program printed\n%s\nwant\n%s", got, want)
	}

	var deps []string
	for dep := range strings.FieldsSeq(string(goCmd("list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "."))) {
		deps = append(deps, dep)
	}
	slices.Sort(deps)
	if want := []string{"example.com/shop", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/client"}; !slices.Equal(deps, want) {
		t.Errorf("a program that imports the client compiles in %v; want only %v and the standard library", deps, want)
	}
}

// goDirective returns the go line of a go.mod file ("go 1.26.8").
func goDirective(goMod string) (string, error) {
	f, err := os.Open(goMod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "go ") {
			return line, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s has no go line", goMod)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
