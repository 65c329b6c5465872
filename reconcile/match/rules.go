package match

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

// Limits of the settlement rule's search.
const (
	// SubsetCandidatesMax caps the transfers of a day among which the settlement rule looks for
	// any set adding up to a line: beyond it only the whole day and runs in time order are tried.
	SubsetCandidatesMax = 24
	// SubsetStepsMax caps the steps of one such search, so that a hostile day costs
	// milliseconds.
	SubsetStepsMax = 200_000
)

const day = 24 * time.Hour

// line is what the rules need of a statement line: its moment or day as [start, end] in
// microseconds.
type line struct {
	n          int64
	start, end int64
	amount     coffer.Amount
	dir        coffer.Side
	ref        string
}

// transfer is a posted transfer of the account as the account saw it: its moment (when it
// was posted), the amount posted and the side. refs are what a line's reference may name.
type transfer struct {
	id       string
	at       int64
	amount   coffer.Amount
	dir      coffer.Side
	refs     []string
	inPeriod bool
}

// pair is one match: a line's index and a transfer's.
type pair struct {
	line, transfer int
	rule           coffer.MatchRule
}

// miss is a line or transfer no rule matched, with the reason and the closest candidate.
type miss struct {
	index     int
	reason    string
	candidate string
}

// result is what the rules found.
type result struct {
	pairs     []pair
	lines     []miss
	transfers []miss
	matched   int // lines matched
}

// normRef returns the form references are compared in: exact, but for a hex string with a 0x
// prefix (a transaction hash), whose case does not matter.
func normRef(s string) string {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return strings.ToLower(s)
	}
	return s
}

// distance is how far a transfer's moment is from a line's moment or day.
func distance(l *line, at int64) int64 {
	return max(0, l.start-at, at-l.end)
}

type amountKey struct {
	dir    coffer.Side
	amount coffer.Amount
}

// bucket is the transfers of one amount and direction in time order, with the nearest unused
// one to the right and to the left of each position kept as union-finds, so that a search past
// matched ones costs nearly nothing. right[i] leads to the first unused position at or after i
// (len(idx) when none); left[i+1] leads to one more than the last unused position at or before
// i (0 when none).
type bucket struct {
	idx         []int // transfer indexes by time
	right, left []int
}

func (b *bucket) findRight(i int) int {
	for b.right[i] != i {
		b.right[i] = b.right[b.right[i]]
		i = b.right[i]
	}
	return i
}

// findLeft returns the last unused position at or before i, or -1.
func (b *bucket) findLeft(i int) int {
	j := i + 1
	for b.left[j] != j {
		b.left[j] = b.left[b.left[j]]
		j = b.left[j]
	}
	return j - 1
}

func (b *bucket) remove(i int) {
	b.right[i] = i + 1
	b.left[i+1] = i
}

// run applies the rules in order to lines and transfers; window bounds how far apart in time a
// line and its transfer may be, scale formats amounts in reasons.
func run(lines []line, ts []transfer, window time.Duration, scale int) result {
	w := window.Microseconds()
	used := make([]bool, len(ts))    // matched
	reserved := make([]int, len(ts)) // 1 + the index of the line whose reference named it and disagreed
	done := make([]bool, len(lines)) // matched, or bound to a transfer its reference named
	var res result
	lineMiss := make(map[int]miss)
	amount := func(a coffer.Amount, d coffer.Side) string { return a.Format(scale) + " " + string(d) }
	ago := func(d int64) string { return (time.Duration(d) * time.Microsecond).String() }

	// Rule 1: the reference.
	byRef := make(map[string][]int)
	for i := range ts {
		for _, r := range ts[i].refs {
			if r != "" {
				k := normRef(r)
				if s := byRef[k]; len(s) == 0 || s[len(s)-1] != i {
					byRef[k] = append(s, i)
				}
			}
		}
	}
	for li := range lines {
		l := &lines[li]
		if l.ref == "" {
			continue
		}
		cands := byRef[normRef(l.ref)]
		if len(cands) == 0 {
			continue
		}
		best, bestD := -1, int64(0)
		for _, ti := range cands {
			t := &ts[ti]
			if used[ti] || reserved[ti] != 0 || t.dir != l.dir || t.amount != l.amount {
				continue
			}
			if d := distance(l, t.at); d <= w && (best < 0 || d < bestD) {
				best, bestD = ti, d
			}
		}
		done[li] = true
		if best >= 0 {
			used[best] = true
			res.pairs = append(res.pairs, pair{li, best, coffer.RuleReference})
			continue
		}
		// The reference names transfers, none of which agrees: the operator must decide, so
		// neither the line nor those transfers go on to the looser rules.
		var why []string
		first := ""
		for _, ti := range cands {
			t := &ts[ti]
			if first == "" {
				first = t.id
			}
			switch {
			case used[ti]:
				why = append(why, fmt.Sprintf("%s is matched to another line", t.id))
			case reserved[ti] != 0:
				why = append(why, fmt.Sprintf("%s is named by line %d too", t.id, lines[reserved[ti]-1].n))
			case t.dir != l.dir || t.amount != l.amount:
				why = append(why, fmt.Sprintf("%s is %s where the line says %s", t.id, amount(t.amount, t.dir), amount(l.amount, l.dir)))
				reserved[ti] = li + 1
			default:
				why = append(why, fmt.Sprintf("%s is %s from the line's date, past the window of %s", t.id, ago(distance(l, t.at)), window))
				reserved[ti] = li + 1
			}
		}
		lineMiss[li] = miss{li, "its reference names a transfer that does not agree: " + strings.Join(why, "; "), first}
	}

	// Rule 2: the amount and direction within the window, the nearest in time first.
	buckets := make(map[amountKey]*bucket)
	for i := range ts {
		if used[i] || reserved[i] != 0 {
			continue
		}
		k := amountKey{ts[i].dir, ts[i].amount}
		b := buckets[k]
		if b == nil {
			b = &bucket{}
			buckets[k] = b
		}
		b.idx = append(b.idx, i)
	}
	for _, b := range buckets {
		slices.SortStableFunc(b.idx, func(x, y int) int { return cmp.Compare(ts[x].at, ts[y].at) })
		b.right = make([]int, len(b.idx)+1)
		b.left = make([]int, len(b.idx)+1)
		for i := range b.right {
			b.right[i] = i
			b.left[i] = i
		}
	}
	take := func(b *bucket, p int) {
		used[b.idx[p]] = true
		b.remove(p)
	}
	nearest := make(map[int]int) // line index -> nearest transfer of its amount, past the window
	for li := range lines {
		l := &lines[li]
		if done[li] {
			continue
		}
		b := buckets[amountKey{l.dir, l.amount}]
		if b == nil {
			continue
		}
		p, _ := slices.BinarySearchFunc(b.idx, l.start, func(ti int, at int64) int { return cmp.Compare(ts[ti].at, at) })
		r, lf := b.findRight(p), b.findLeft(p-1)
		best := -1
		var bestD int64
		for _, c := range []int{lf, r} {
			if c < 0 || c >= len(b.idx) {
				continue
			}
			d := distance(l, ts[b.idx[c]].at)
			if best < 0 || d < bestD || d == bestD && c < best {
				best, bestD = c, d
			}
		}
		if best < 0 {
			continue
		}
		if bestD <= w {
			take(b, best)
			done[li] = true
			res.pairs = append(res.pairs, pair{li, b.idx[best], coffer.RuleAmountDate})
			continue
		}
		nearest[li] = b.idx[best]
	}

	// Rule 3: several transfers of the line's day and direction that add up to it.
	byDay := make(map[amountKey][]int) // amount unused: the key is the direction and the day
	dayKey := func(dir coffer.Side, at int64) amountKey {
		return amountKey{dir, coffer.AmountFromInt64(at / day.Microseconds())}
	}
	for i := range ts {
		if !used[i] && reserved[i] == 0 {
			k := dayKey(ts[i].dir, ts[i].at)
			byDay[k] = append(byDay[k], i)
		}
	}
	for _, s := range byDay {
		slices.SortStableFunc(s, func(x, y int) int { return cmp.Compare(ts[x].at, ts[y].at) })
	}
	for li := range lines {
		l := &lines[li]
		if done[li] {
			continue
		}
		k := dayKey(l.dir, l.start)
		var cands []int
		for _, ti := range byDay[k] {
			if !used[ti] {
				cands = append(cands, ti)
			}
		}
		set := settle(ts, cands, l.amount)
		if set == nil {
			continue
		}
		for _, ti := range set {
			used[ti] = true
			res.pairs = append(res.pairs, pair{li, ti, coffer.RuleSettlement})
		}
		done[li] = true
	}

	for li := range lines {
		if m, ok := lineMiss[li]; ok {
			res.lines = append(res.lines, m)
			continue
		}
		if done[li] {
			res.matched++
			continue
		}
		l := &lines[li]
		m := miss{index: li, reason: fmt.Sprintf("no transfer of %s within %s of it, and no set of its day's transfers adds up to it",
			amount(l.amount, l.dir), window)}
		if ti, ok := nearest[li]; ok && !used[ti] {
			m.reason = fmt.Sprintf("the nearest transfer of %s, %s, is %s from it, past the window of %s",
				amount(l.amount, l.dir), ts[ti].id, ago(distance(l, ts[ti].at)), window)
			m.candidate = ts[ti].id
		}
		res.lines = append(res.lines, m)
	}
	for ti := range ts {
		t := &ts[ti]
		if used[ti] || !t.inPeriod {
			continue
		}
		m := miss{index: ti, reason: "no statement line matches it"}
		if r := reserved[ti]; r != 0 {
			m.reason = fmt.Sprintf("line %d's reference names it, but they do not agree", lines[r-1].n)
			m.candidate = fmt.Sprint(lines[r-1].n)
		}
		res.transfers = append(res.transfers, m)
	}
	return res
}

// settle returns transfers among cands (in time order) whose amounts add up to want, at
// least two of them, or nil: all of them, else the first run of consecutive ones, else, among
// at most SubsetCandidatesMax, the first set a bounded search finds.
func settle(ts []transfer, cands []int, want coffer.Amount) []int {
	if len(cands) < 2 {
		return nil
	}
	var total coffer.Amount
	for _, ti := range cands {
		total, _ = total.Add(ts[ti].amount)
	}
	switch total.Cmp(want) {
	case 0:
		return cands
	case -1:
		return nil // even all of them fall short
	}
	// Runs: amounts are positive, so a window of consecutive transfers grows on the right and
	// shrinks on the left.
	var sum coffer.Amount
	lo := 0
	for hi, ti := range cands {
		sum, _ = sum.Add(ts[ti].amount)
		for sum.Cmp(want) > 0 && lo < hi {
			sum, _ = sum.Sub(ts[cands[lo]].amount)
			lo++
		}
		if sum == want && hi > lo {
			return slices.Clone(cands[lo : hi+1])
		}
	}
	if len(cands) > SubsetCandidatesMax {
		return nil
	}
	steps := 0
	var pick []int
	var search func(i int, left coffer.Amount) bool
	search = func(i int, left coffer.Amount) bool {
		if left.IsZero() {
			return len(pick) >= 2
		}
		if i == len(cands) || left.Sign() < 0 || steps >= SubsetStepsMax {
			return false
		}
		steps++
		rest, _ := left.Sub(ts[cands[i]].amount)
		pick = append(pick, cands[i])
		if search(i+1, rest) {
			return true
		}
		pick = pick[:len(pick)-1]
		return search(i+1, left)
	}
	if search(0, want) {
		return pick
	}
	return nil
}
