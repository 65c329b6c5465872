package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/cofferhq/coffer/client"
)

// FollowCatchUpMax bounds how long a run waits, once its requests are answered, for its
// followers to receive the last event: a relay that keeps up needs a fraction of a second.
const FollowCatchUpMax = 60 * time.Second

// A Follower receives Coffer's events as a consumer would, from a broker or the event stream,
// and hands each to got as it arrives. Follow starts receiving before it calls ready (so that
// no event of the run is missed), then runs until ctx ends. from is the newest event's seq as
// the run begins: a follower that reads a stream from a position starts there.
type Follower interface {
	Name() string
	Follow(ctx context.Context, from uint64, ready func(), got func(body []byte)) error
}

// Delivery is how one follower received the run's events: the delay from each event's
// created_at (the ledger's time as its batch began, a few milliseconds before the commit) to its
// arrival, and whether every event arrived once and in order.
type Delivery struct {
	Follower string `json:"follower"`
	// Events counts the distinct events of the run received; Duplicates the repeats, dropped by
	// id; OutOfOrder the events that came after one with a greater seq (Kafka orders per key
	// only, so for it this counts reorderings across keys).
	Events     int `json:"events"`
	Duplicates int `json:"duplicates"`
	OutOfOrder int `json:"out_of_order"`
	// Missing counts the run's events that had not arrived FollowCatchUpMax after the run.
	Missing int     `json:"missing"`
	Delay   Latency `json:"delay_ms"`
	Error   string  `json:"error,omitempty"`
}

// follow is one follower's tally.
type follow struct {
	f     Follower
	mu    sync.Mutex
	from  uint64 // count events with seq above this: the run's
	seen  map[uint64]bool
	last  uint64 // the greatest seq received
	hist  Histogram
	dups  int
	order int
	moved chan struct{} // closed and replaced at each new event
	err   error
}

func (fl *follow) got(body []byte) {
	at := time.Now()
	var e struct {
		Seq       uint64    `json:"seq"`
		CreatedAt time.Time `json:"created_at"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Seq == 0 {
		fl.mu.Lock()
		fl.err = fmt.Errorf("a message that is not an event: %.100s", body)
		fl.mu.Unlock()
		return
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if e.Seq <= fl.from {
		return
	}
	if fl.seen[e.Seq] {
		fl.dups++
		return
	}
	fl.seen[e.Seq] = true
	if e.Seq < fl.last {
		fl.order++
	}
	fl.last = max(fl.last, e.Seq)
	fl.hist.Record(at.Sub(e.CreatedAt))
	close(fl.moved)
	fl.moved = make(chan struct{})
}

// startFollowers starts every follower and returns once each is receiving, or an error.
func (b *bench) startFollowers(ctx context.Context, from uint64) ([]*follow, error) {
	var out []*follow
	for _, f := range b.cfg.Followers {
		fl := &follow{f: f, from: from, seen: map[uint64]bool{}, moved: make(chan struct{})}
		ready := make(chan struct{})
		failed := make(chan error, 1)
		go func() {
			var once sync.Once
			err := f.Follow(ctx, from, func() { once.Do(func() { close(ready) }) }, fl.got)
			if err != nil && ctx.Err() == nil {
				fl.mu.Lock()
				fl.err = err
				fl.mu.Unlock()
				failed <- err
			}
		}()
		select {
		case <-ready:
		case err := <-failed:
			return nil, fmt.Errorf("follow %s: %w", f.Name(), err)
		case <-time.After(SetupTimeout):
			return nil, fmt.Errorf("follow %s: not receiving after %s", f.Name(), SetupTimeout)
		}
		out = append(out, fl)
	}
	return out, nil
}

// lastSeq returns the newest event's seq, paging forward from after, or from the relay's
// last_seq when it has a sink to report it.
func lastSeq(ctx context.Context, cl *client.Client, after uint64) (uint64, error) {
	if sinks, err := cl.Sinks(ctx); err == nil && len(sinks.Sinks) > 0 {
		after = max(after, sinks.Sinks[0].LastSeq)
	}
	for {
		p, err := cl.Events(ctx, after, 1000)
		if err != nil {
			return 0, err
		}
		if len(p.Events) > 0 {
			after = p.Events[len(p.Events)-1].Seq
		}
		if !p.HasMore {
			return after, nil
		}
	}
}

// deliveries waits, up to FollowCatchUpMax, until every follower has every event up to last,
// and reports each.
func deliveries(follows []*follow, last uint64) []Delivery {
	deadline := time.After(FollowCatchUpMax)
	out := make([]Delivery, len(follows))
	for i, fl := range follows {
		for waiting := true; waiting; {
			fl.mu.Lock()
			complete := uint64(len(fl.seen)) >= last-fl.from
			moved, err := fl.moved, fl.err
			fl.mu.Unlock()
			if complete || err != nil {
				break
			}
			select {
			case <-moved:
			case <-deadline:
				waiting = false
			}
		}
		fl.mu.Lock()
		d := Delivery{Follower: fl.f.Name(), Events: len(fl.seen), Duplicates: fl.dups, OutOfOrder: fl.order,
			Missing: int(last-fl.from) - len(fl.seen), Delay: latencyOf(&fl.hist)}
		if fl.err != nil {
			d.Error = fl.err.Error()
		}
		fl.mu.Unlock()
		out[i] = d
	}
	return out
}

// LongPoll follows GET /v1/events?wait= with one connection, as a consumer without a broker
// would.
type LongPoll struct {
	Client *client.Client
}

// Name names the follower.
func (LongPoll) Name() string { return "long poll" }

// Follow pages through the events after from, waiting up to 30 s a call.
func (p LongPoll) Follow(ctx context.Context, from uint64, ready func(), got func([]byte)) error {
	after := from
	ready()
	for ctx.Err() == nil {
		page, err := p.Client.WaitEvents(ctx, after, 1000, 30*time.Second)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, e := range page.Events {
			body, err := json.Marshal(struct {
				Seq       uint64      `json:"seq"`
				CreatedAt client.Time `json:"created_at"`
			}{e.Seq, e.CreatedAt})
			if err != nil {
				return err
			}
			got(body)
			after = e.Seq
		}
	}
	return nil
}

// ParseFollower returns the follower a --follow value names: "events" follows the event
// stream's long poll of the server at addr with key; a sink's URL (amqp://, nats://, kafka://,
// as --sink takes it) receives what that sink publishes.
func ParseFollower(spec, addr, key string) (Follower, error) {
	if spec == "events" {
		return LongPoll{Client: client.New(BaseURL(addr), key)}, nil
	}
	return brokerFollower(spec)
}
