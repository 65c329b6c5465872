package client_test

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEShowsExample holds the Go program of the README's "Using Coffer from Go" to the
// package's Example, which runs with its output checked: every line of the Example's body but
// the one that makes the client must appear in the README's program, in the same order.
func TestREADMEShowsExample(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(src), "\nfunc Example() {\n")
	body, _, ok2 := strings.Cut(body, "\t// Output:")
	if !ok || !ok2 {
		t.Fatal("example_test.go has no func Example with an Output comment")
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Using Coffer from Go\n")
	_, program, ok2 := strings.Cut(section, "\n```go\n")
	program, _, ok3 := strings.Cut(program, "\n```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal(`README.md has no section "Using Coffer from Go" with a Go program`)
	}
	if !strings.Contains(program, "client.New(") {
		t.Error("the README's program does not make a client with client.New")
	}
	rest := lines(program)
	for _, want := range lines(body) {
		if strings.Contains(want, "client.New(serverURL, apiKey)") {
			continue
		}
		i := 0
		for i < len(rest) && rest[i] != want {
			i++
		}
		if i == len(rest) {
			t.Fatalf("the README's program lacks, or has out of order, this line of Example: %s", want)
		}
		rest = rest[i+1:]
	}
}

// lines returns the non-empty lines of s, trimmed.
func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
