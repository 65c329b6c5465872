package watch

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// FuzzDecodeTransfer holds decodeTransfer to its promise on any log a node may send: it never
// panics, and what it accepts re-encodes to the same topics and data.
func FuzzDecodeTransfer(f *testing.F) {
	word := func(a common.Address) []byte { return common.BytesToHash(a.Bytes()).Bytes() }
	from, to := common.HexToAddress("0x1111"), common.HexToAddress("0x2222")
	f.Add(transferTopic.Bytes(), word(from), word(to), common.BigToHash(big.NewInt(5)).Bytes(), uint8(3))
	f.Add(transferTopic.Bytes(), word(from), word(to), []byte{1}, uint8(3))
	f.Add(transferTopic.Bytes(), word(from), word(to), common.BigToHash(big.NewInt(5)).Bytes(), uint8(4))
	f.Add(transferTopic.Bytes(), []byte{0xff}, word(to), make([]byte, 32), uint8(3))
	f.Fuzz(func(t *testing.T, topic0, topic1, topic2, data []byte, topics uint8) {
		all := []common.Hash{common.BytesToHash(topic0), common.BytesToHash(topic1), common.BytesToHash(topic2), {}}
		l := types.Log{Topics: all[:min(int(topics%5), 4)], Data: data}
		from, to, amount, ok := decodeTransfer(l)
		if !ok {
			return
		}
		if len(l.Topics) != 3 || l.Topics[0] != transferTopic || len(data) != 32 {
			t.Fatalf("accepted %+v", l)
		}
		if common.BytesToHash(from.Bytes()) != l.Topics[1] || common.BytesToHash(to.Bytes()) != l.Topics[2] ||
			common.BigToHash(amount) != common.BytesToHash(data) {
			t.Fatalf("decoded %s %s %s from %+v", from, to, amount, l)
		}
	})
}
