package ledger

import (
	"fmt"
	"strings"

	"github.com/cofferhq/coffer"
)

// Ids come in two kinds. A client chooses the operation ids of its commands and the ids of the
// transfers it creates; Coffer derives the others from them or for itself (see
// coffer.DerivedSep). The ledger refuses a client id that contains the reserved character, so
// whatever sends it commands, the HTTP API or a message queue, a client id never takes a derived
// one.

// clientID is one id a client chose, and the field of the command it came in.
type clientID struct {
	field, id string
}

// clientIDs returns the ids of c that its sender chose; an id left out for the ledger to derive
// is not among them.
func clientIDs(c Command) []clientID {
	switch c := c.(type) {
	case LockAccount:
		return []clientID{{"id", c.ID}}
	case UnlockAccount:
		return []clientID{{"id", c.ID}}
	case Deposit:
		return []clientID{{"id", c.ID}}
	case Withdraw:
		return []clientID{{"id", c.ID}}
	case Pay:
		return []clientID{{"id", c.ID}}
	case Refund:
		return []clientID{{"id", c.ID}}
	case Exchange:
		return []clientID{{"id", c.ID}}
	case Hold:
		return []clientID{{"id", c.ID}}
	case Adjust:
		return []clientID{{"id", c.ID}}
	case CreateTransfers:
		ids := make([]clientID, 0, 1+len(c.Transfers))
		ids = append(ids, clientID{"id", c.ID})
		for _, s := range c.Transfers {
			ids = append(ids, clientID{"transfer id", s.ID})
		}
		return ids
	case PostTransfer:
		if c.ID != "" {
			return []clientID{{"id", c.ID}}
		}
	case VoidTransfer:
		if c.ID != "" {
			return []clientID{{"id", c.ID}}
		}
	}
	// CreateAsset and CreateAccount have no id of their own; the expiry duty's ids are derived.
	return nil
}

// checkClientIDs refuses a command with a client id that holds the reserved character.
func checkClientIDs(c Command) error {
	for _, id := range clientIDs(c) {
		if strings.Contains(id.id, coffer.DerivedSep) {
			return coffer.Errorf(coffer.EINVALID, "%s %q must not contain '%s': it is reserved for the ids Coffer derives",
				id.field, id.id, coffer.DerivedSep)
		}
	}
	return nil
}

// orDerived returns id, or the id derived from transferID and word when id is left out.
func orDerived(id, transferID, word string) string {
	if id != "" {
		return id
	}
	return coffer.DerivedID(transferID, word)
}

// An idDeriver is a command whose operation id the ledger may derive rather than take from the
// client: creating an asset or an account, and posting or voiding without an id.
type idDeriver interface {
	Command
	// derivesID reports whether the operation id is derived.
	derivesID() bool
	// conflict describes a replay of the derived id with other parameters in terms of what the
	// client named ("hold "hold-1" was already captured for 4.00 USD"), since the client never
	// typed that id; nil leaves the message that names it.
	conflict(b *batch, op *coffer.Operation) error
}

// derivesID reports whether c's operation id is derived.
func derivesID(c Command) bool {
	d, ok := c.(idDeriver)
	return ok && d.derivesID()
}

func (CreateAsset) derivesID() bool    { return true }
func (CreateAccount) derivesID() bool  { return true }
func (c PostTransfer) derivesID() bool { return c.ID == "" }
func (c VoidTransfer) derivesID() bool { return c.ID == "" }

func (c CreateAsset) conflict(b *batch, op *coffer.Operation) error {
	if a, ok := b.assets[c.Code]; ok {
		return coffer.Errorf(coffer.ECONFLICT, "asset %s already exists, with scale %d", a.Code, a.Scale)
	}
	return earlierRefused("the creation of asset "+c.Code, op, "")
}

func (c CreateAccount) conflict(b *batch, op *coffer.Operation) error {
	id := coffer.AccountID(c.Kind, c.Owner, c.Asset)
	if _, ok := b.accounts[id]; ok {
		return coffer.Errorf(coffer.ECONFLICT, "account %s already exists, with other settings", id)
	}
	return earlierRefused("the creation of account "+id, op, "")
}

func (c PostTransfer) conflict(b *batch, op *coffer.Operation) error {
	return b.pendingConflict(c.TransferID, op, func(w pendingWords) string { return w.post })
}

func (c VoidTransfer) conflict(b *batch, op *coffer.Operation) error {
	return b.pendingConflict(c.TransferID, op, func(w pendingWords) string { return w.void })
}

// pendingConflict describes a second post or void of a pending transfer: how it ended, or why
// the first attempt was refused.
func (b *batch) pendingConflict(id string, op *coffer.Operation, verb func(pendingWords) string) error {
	t, ok := b.transfers[id]
	switch {
	case !ok:
		return nil
	case t.State != coffer.StatePending:
		return coffer.Errorf(coffer.ECONFLICT, "%s", b.resolved(t))
	}
	w := wordsFor(t.Type)
	return earlierRefused(fmt.Sprintf("the %s of %s %q", verb(w), w.noun, id), op,
		"; send it with an id of its own to try again")
}

// earlierRefused describes a recorded rejection of what, which a request with other parameters
// cannot replace, followed by advice; nil if the operation succeeded.
func earlierRefused(what string, op *coffer.Operation, advice string) error {
	if op.ErrCode == "" {
		return nil
	}
	return coffer.Errorf(coffer.ECONFLICT, "%s was refused before (%s: %s)%s", what, op.ErrCode, op.ErrMessage, advice)
}
