package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/strict"
)

// input is what a write reads, whether it came over HTTP or as a queued command: its body, the
// id of what it acts on (the path's {id} over HTTP, the envelope's target from a queue), and,
// for a queued command, the command's id, which is its operation id.
type input struct {
	body   io.Reader
	target string
	id     string // the queued command's id; "" over HTTP
}

// httpInput is the input of a write that came over HTTP.
func httpInput(r *http.Request) input {
	return input{body: r.Body, target: r.PathValue("id")}
}

// decode reads the input's body as exactly one JSON object into v through the strict decoder,
// with the server's body limit, as (*Server).decode does for a request.
func (s *Server) decodeInput(in input, v any, emptyOK bool) error {
	return strict.Decode(in.body, v, strict.Options{BytesMax: s.cfg.BodyBytesMax, EmptyOK: emptyOK})
}

// operationID gives a queued command's body the command's id as its operation id: a body that
// leaves its "id" out takes the command's, and one that names another is refused, so that the
// id a sender retries with is the one the ledger records. Over HTTP it does nothing.
func (in input) operationID(field *string) error {
	switch {
	case in.id == "":
	case *field == "":
		*field = in.id
	case *field != in.id:
		return coffer.Invalid("id", "the body's id %q is not the command's id %q; leave it out or make them equal", *field, in.id)
	}
	return nil
}

// A commandType is one write that may arrive as a queued command: the role it needs at least
// (the role of its HTTP route), whether it acts on a target, and the code that runs it, the same
// that runs its HTTP route.
type commandType struct {
	role   coffer.Role
	target string // what the target names, "" if the type takes none
	run    func(s *Server, ctx context.Context, in input) (int, any, error)
}

// commandTypes are the writes a queue may send, by client.Command type. Batches and keys are
// not among them: a batch has its own turns and limits, and a key's secret must not travel in
// a reply.
var commandTypes = map[string]commandType{
	client.CommandCreateAsset:        {coffer.RoleAdmin, "", (*Server).createAssetInput},
	client.CommandCreateAccount:      {coffer.RoleOperator, "", (*Server).createAccountInput},
	client.CommandLockAccount:        {coffer.RoleOperator, "the account", (*Server).lockAccountInput},
	client.CommandUnlockAccount:      {coffer.RoleOperator, "the account", (*Server).unlockAccountInput},
	client.CommandDeposit:            {coffer.RoleOperator, "", (*Server).depositInput},
	client.CommandWithdrawal:         {coffer.RoleOperator, "", (*Server).withdrawInput},
	client.CommandCompleteWithdrawal: {coffer.RoleOperator, "the withdrawal", (*Server).completeWithdrawalInput},
	client.CommandFailWithdrawal:     {coffer.RoleOperator, "the withdrawal", (*Server).failWithdrawalInput},
	client.CommandPayment:            {coffer.RoleOperator, "", (*Server).payInput},
	client.CommandRefund:             {coffer.RoleOperator, "the payment", (*Server).refundInput},
	client.CommandExchange:           {coffer.RoleOperator, "", (*Server).exchangeInput},
	client.CommandHold:               {coffer.RoleOperator, "", (*Server).holdInput},
	client.CommandCapture:            {coffer.RoleOperator, "the hold", (*Server).captureHoldInput},
	client.CommandRelease:            {coffer.RoleOperator, "the hold", (*Server).releaseHoldInput},
	client.CommandTransfer:           {coffer.RoleOperator, "", (*Server).createTransferInput},
	client.CommandPost:               {coffer.RoleOperator, "the pending transfer", (*Server).postTransferInput},
	client.CommandVoid:               {coffer.RoleOperator, "the pending transfer", (*Server).voidTransferInput},
	client.CommandAdjustment:         {coffer.RoleAdmin, "", (*Server).adjustInput},
}

// CommandTypes returns the types of command that Command runs, sorted.
func CommandTypes() []string {
	out := make([]string, 0, len(commandTypes))
	for t := range commandTypes {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Command runs one queued command as its HTTP endpoint would, with the rights of role, and
// returns the endpoint's status and the exact bytes of its answer: the result or the error
// envelope. The command's body is read by the same strict decoder with the same limit and
// checked by the same code; its id is the operation id (see client.Command). An unknown type,
// a missing or unexpected target and a type role may not send are invalid or forbidden, like
// any other bad request. Errors that are not the caller's (a store that cannot be reached) are
// logged here and answered 500 internal or 503 unavailable, after which the command may be
// sent again with the same id.
func (s *Server) Command(ctx context.Context, role coffer.Role, c client.Command) (status int, answer []byte) {
	ri := &requestInfo{id: "cmd_" + c.ID, keyID: "queue", role: role}
	ctx = context.WithValue(ctx, requestInfoKey{}, ri)
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic", "command_id", c.ID, "type", c.Type, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			status, answer = http.StatusInternalServerError, marshalAnswer(
				client.ErrorResponse{Error: client.ErrorBody{Code: coffer.EINTERNAL, Message: "internal error"}})
		}
	}()
	status, body, err := s.runCommand(ctx, role, c)
	if err != nil {
		status, eb, unexpected := errorBody(err)
		if unexpected {
			s.log.Error("command failed", "command_id", c.ID, "type", c.Type, "err", err)
		}
		return status, marshalAnswer(client.ErrorResponse{Error: eb})
	}
	return status, marshalAnswer(body)
}

func (s *Server) runCommand(ctx context.Context, role coffer.Role, c client.Command) (int, any, error) {
	ct, ok := commandTypes[c.Type]
	if !ok {
		return 0, nil, coffer.Invalid("type", "type %q is not a command type; the types are %s", c.Type, strings.Join(CommandTypes(), ", "))
	}
	if err := checkID("id", c.ID); err != nil {
		return 0, nil, err
	}
	switch {
	case ct.target == "" && c.Target != "":
		return 0, nil, coffer.Invalid("target", "a %s command takes no target", c.Type)
	case ct.target != "" && c.Target == "":
		return 0, nil, coffer.Invalid("target", "target is required: the id of %s", ct.target)
	}
	if !role.Allows(ct.role) {
		return 0, nil, coffer.Errorf(coffer.EFORBIDDEN, "commands from this queue act with role %s, and a %s command needs role %s", role, c.Type, ct.role)
	}
	return ct.run(s, ctx, input{body: bytes.NewReader(c.Body), target: c.Target, id: c.ID})
}

// marshalAnswer renders v as writeJSON does, so that a queued command's answer is the bytes
// the HTTP endpoint would have sent.
func marshalAnswer(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("httpapi: encode %T: %v", v, err))
	}
	return append(data, '\n')
}
