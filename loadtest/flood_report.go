package loadtest

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"text/tabwriter"
)

// FloodReport is what a flood run measured. Its JSON is the form `coffer bench --flood --json`
// prints.
type FloodReport struct {
	Asset     string `json:"asset"`
	Flooders  int    `json:"flooders"`
	BodyBytes int    `json:"body_bytes"`
	// Alone and Flooded are the normal client's deposits without and with the flood.
	Alone   Phase `json:"alone"`
	Flooded Phase `json:"flooded"`
	// P50Ratio and P99Ratio are the normal client's latency percentiles with the flood over
	// those without it.
	P50Ratio float64 `json:"p50_ratio"`
	P99Ratio float64 `json:"p99_ratio"`
	// FloodAnswers counts the hostile requests by the status they were answered with ("none":
	// the connection ended without an answer).
	FloodAnswers map[string]int64 `json:"flood_answers"`
	Memory       FloodMemory      `json:"server_memory"`
	Checks       []Check          `json:"checks"`
}

// Phase is the normal client's deposits in one phase.
type Phase struct {
	Seconds           float64          `json:"seconds"`
	Requests          int64            `json:"requests"`
	RequestsPerSecond float64          `json:"requests_per_second"`
	Latency           Latency          `json:"latency_ms"`
	Failed            map[string]int64 `json:"failed"`
}

// FloodMemory is the server's resident memory before the flood and at its peak during it.
type FloodMemory struct {
	PID       int   `json:"pid,omitempty"`
	IdleBytes int64 `json:"idle_bytes,omitempty"`
	PeakBytes int64 `json:"peak_bytes,omitempty"`
	// AboveIdleBytes is PeakBytes less IdleBytes.
	AboveIdleBytes int64 `json:"above_idle_bytes,omitempty"`
	// Source says how the process was found and its peak read, or why the memory is unknown.
	Source string `json:"source"`
}

// OK reports whether every check passed.
func (r *FloodReport) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// floodChecks checks that the flood was refused, all of it, and the normal client served.
func floodChecks(rep *FloodReport, cfg FloodConfig) []Check {
	refused, other := int64(0), int64(0)
	for status, n := range rep.FloodAnswers {
		if status == strconv.Itoa(http.StatusBadRequest) {
			refused += n
		} else {
			other += n
		}
	}
	return []Check{
		{Name: "every hostile batch refused with 400", OK: refused > 0 && other == 0,
			Detail: fmt.Sprintf("%d refused, %d answered otherwise: %s", refused, other, counts(rep.FloodAnswers))},
		{Name: "the normal client served in both phases", OK: len(rep.Alone.Failed) == 0 && len(rep.Flooded.Failed) == 0 &&
			rep.Alone.Requests > 0 && rep.Flooded.Requests > 0,
			Detail: fmt.Sprintf("alone %d deposits, failed %s; flooded %d deposits, failed %s", rep.Alone.Requests,
				counts(rep.Alone.Failed), rep.Flooded.Requests, counts(rep.Flooded.Failed))},
	}
}

// WriteTable writes the report for people.
func (r *FloodReport) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	row("flood", "%d connections, each sending an independent batch of empty transfers, %d bytes, again and again", r.Flooders, r.BodyBytes)
	row("flood answers", "%s", counts(r.FloodAnswers))
	for _, p := range []struct {
		name  string
		phase Phase
	}{{"alone", r.Alone}, {"during the flood", r.Flooded}} {
		l := p.phase.Latency
		row("deposits "+p.name, "%d in %.1fs (%.1f/s), latency ms p50 %.2f  p90 %.2f  p99 %.2f  max %.2f",
			p.phase.Requests, p.phase.Seconds, p.phase.RequestsPerSecond, l.P50, l.P90, l.P99, l.Max)
	}
	row("flooded / alone", "p50 %.2f  p99 %.2f", r.P50Ratio, r.P99Ratio)
	if m := r.Memory; m.PeakBytes > 0 {
		row("server memory", "%.1f MiB at the flood's peak, %.1f MiB idle: %.1f MiB above idle (pid %d, %s)",
			mib(m.PeakBytes), mib(m.IdleBytes), mib(m.AboveIdleBytes), m.PID, m.Source)
	} else {
		row("server memory", "%s", m.Source)
	}
	for i, c := range r.Checks {
		k := ""
		if i == 0 {
			k = "checks"
		}
		status := "ok"
		if !c.OK {
			status = "FAILED"
		}
		row(k, "%-6s %s: %s", status, c.Name, c.Detail)
	}
	return tw.Flush()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
