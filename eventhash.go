package coffer

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// EventHash is the SHA-256 that chains an event to the one before it in seq order.
type EventHash [sha256.Size]byte

// EventHashZero is hash_0, the hash the first event (seq 1) follows: 32 zero bytes.
var EventHashZero EventHash

// String returns the hash in lower-case hex.
func (h EventHash) String() string { return hex.EncodeToString(h[:]) }

// ParseEventHash reads a hash written by EventHash.String.
func ParseEventHash(s string) (EventHash, error) {
	var h EventHash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("an event hash is 64 hex digits, not %q", s)
	}
	copy(h[:], b)
	return h, nil
}

// ChainEvent returns hash_n of event e, which follows the event whose hash is prev (EventHashZero
// for the first). The bytes hashed are, in this order and with nothing between them:
//
//	"coffer.event.v1"                  the encoding's name, 15 bytes
//	prev                               32 bytes
//	seq                                8 bytes, big-endian
//	id, type, subject, data            each as its length in 4 bytes big-endian, then its bytes
//	created_at                         8 bytes, big-endian two's complement: microseconds since
//	                                   1970-01-01T00:00:00Z (the stores keep microseconds)
//
// Data is hashed as the bytes the store keeps, so a change to any of them, even one that
// leaves the JSON's meaning alone, breaks the chain. Every field has a fixed size or a length
// before it, so no two different events encode to the same bytes.
func ChainEvent(prev EventHash, e *Event) EventHash {
	// Most events fit the buffer on the stack; a larger one is encoded on the heap.
	var stack [chainEventStack]byte
	b := stack[:0]
	if n := len(eventHashDomain) + len(prev) + 8 + 4*4 + len(e.ID) + len(e.Type) + len(e.Subject) + len(e.Data) + 8; n > len(stack) {
		b = make([]byte, 0, n)
	}
	b = append(b, eventHashDomain...)
	b = append(b, prev[:]...)
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	for _, f := range []string{e.ID, e.Type, e.Subject} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.Data)))
	b = append(b, e.Data...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.CreatedAt.UnixMicro()))
	return sha256.Sum256(b)
}

const eventHashDomain = "coffer.event.v1"

// chainEventStack is the size of an event's encoding that ChainEvent keeps on the stack: a
// transfer's snapshot with its metadata fits, and the hash is computed on every write.
const chainEventStack = 1024

// ChainHead is the last event of the chain: its seq and hash. Seq 0 with EventHashZero is the
// head of a ledger without events.
type ChainHead struct {
	Seq  uint64
	Hash EventHash
}

// String writes the head as "<seq> <hash>", the form ParseChainHead reads.
func (h ChainHead) String() string { return strconv.FormatUint(h.Seq, 10) + " " + h.Hash.String() }

// ParseChainHead reads a head written by ChainHead.String; blanks around it are ignored.
func ParseChainHead(s string) (ChainHead, error) {
	seq, hash, ok := strings.Cut(strings.TrimSpace(s), " ")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil {
		return ChainHead{}, fmt.Errorf("a chain head is \"<seq> <hash>\", not %q", s)
	}
	h, err := ParseEventHash(strings.TrimSpace(hash))
	if err != nil {
		return ChainHead{}, err
	}
	return ChainHead{Seq: n, Hash: h}, nil
}
