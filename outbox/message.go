package outbox

import (
	"encoding/json"
	"time"

	"github.com/cofferhq/coffer"
)

// PayloadVersion is the version of the event payload, sent in every message as "version". A
// field added keeps it; a field removed or changed in meaning raises it.
const PayloadVersion = 1

// Message is one event as every sink sends it: Body is the same JSON on every sink.
type Message struct {
	Seq     uint64
	ID      string // the event's stable id, "evt_" and the seq: consumers drop duplicates by it
	Type    string
	Subject string // the asset, account, transfer or operation the event is about: Kafka's key
	Body    []byte
	Time    time.Time // when the change committed
}

// payload is the JSON of an event on the wire. The OpenAPI document describes it, one schema
// per event type (EventPayload).
type payload struct {
	ID        string          `json:"id"`
	Seq       uint64          `json:"seq"`
	Version   int             `json:"version"`
	Type      string          `json:"type"`
	Subject   string          `json:"subject"`
	CreatedAt string          `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// NewMessage renders an event as the message every sink sends.
func NewMessage(e coffer.Event) (Message, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	body, err := json.Marshal(payload{ID: e.ID, Seq: e.Seq, Version: PayloadVersion, Type: e.Type, Subject: e.Subject,
		CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339Nano), Data: data})
	if err != nil {
		return Message{}, err
	}
	return Message{Seq: e.Seq, ID: e.ID, Type: e.Type, Subject: e.Subject, Body: body, Time: e.CreatedAt}, nil
}
