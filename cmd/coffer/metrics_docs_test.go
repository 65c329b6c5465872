package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// metricNames returns the names of Coffer's own metrics, as their descriptions give them.
func metricNames(t *testing.T) map[string]bool {
	t.Helper()
	m := newMetrics()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	names := map[string]bool{}
	for _, c := range append(m.own, newStateCollector(nil, nil, nil, nil)) {
		ch := make(chan *prometheus.Desc, 64)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			match := fq.FindStringSubmatch(d.String())
			if match == nil {
				t.Fatalf("no name in %s", d)
			}
			names[match[1]] = true
		}
	}
	return names
}

// TestMetricsDocumented holds docs/OPERATIONS.md to the metrics: each is listed, and no name
// listed is not one; and every name in the alert rules and the dashboard is one (a histogram's
// _bucket, _sum and _count included).
func TestMetricsDocumented(t *testing.T) {
	names := metricNames(t)
	mention := regexp.MustCompile(`coffer_[a-z0-9_]+`)
	known := func(n string) bool {
		if names[n] {
			return true
		}
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(n, suffix); ok && names[base] {
				return true
			}
		}
		return false
	}
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ops := read("../../docs/OPERATIONS.md")
	_, metricsDoc, _ := strings.Cut(ops, "\n## Metrics\n")
	for n := range names {
		if !strings.Contains(metricsDoc, "| `"+n+"` |") {
			t.Errorf("docs/OPERATIONS.md, Metrics: %s has no row", n)
		}
	}
	for _, path := range []string{"../../docs/OPERATIONS.md", "../../deploy/prometheus/alerts.yml", "../../deploy/grafana/coffer.json"} {
		var unknown []string
		for _, n := range mention.FindAllString(read(path), -1) {
			// The payouts' metrics are named where they will go, and exist only then.
			if !known(n) && !strings.HasPrefix(n, "coffer_payout_") && !slices.Contains(unknown, n) {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			t.Errorf("%s names metrics that do not exist: %v", path, unknown)
		}
	}
}
