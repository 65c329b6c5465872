// Package client is the Go client of Coffer's HTTP API: a Client with a method per endpoint, and
// the request and response types of every endpoint. The server (package httpapi) reads and
// writes these same types, so the contract has one definition. The package imports only the
// standard library and the root package github.com/cofferhq/coffer (for coffer.Error and the
// error codes), so a program that imports it compiles in neither the ledger nor the server.
//
// # A client
//
// New returns a client of the server at a base URL that sends an API key:
//
//	c := client.New("http://127.0.0.1:8080", os.Getenv("COFFER_API_KEY"))
//	res, err := c.Deposit(ctx, client.DepositRequest{ID: "dep-1", Owner: "1001", Asset: "USD", Amount: "100.00"})
//
// A Client may be used by many goroutines at once. Each call ends when its context does, or when
// the Timeout of Client.HTTP passes (TimeoutDefault); set Client.HTTP, or its Transport, to send
// requests another way. A streamed call (StatementCSV, a statement file's upload) ends instead
// when that Timeout passes with no byte moving, so a long statement is read to its end.
//
// Amounts are decimal strings in the major units of their asset ("12.50" for USD with scale 2),
// exact: read them with coffer.ParseAmount and the asset's scale, never as a float. Times are Time
// values, RFC 3339 in UTC.
//
// # Errors
//
// Every error a method returns is a *coffer.Error. Its Code is machine-readable (coffer.EINVALID,
// coffer.EINSUFFICIENTFUNDS, coffer.ECONFLICT, ...), its Message is a sentence for people, and its
// Param, when the error is about one request field or query parameter, names it ("amount",
// "transfers[3].amount", "limit"), so that a form can show the message next to the field:
//
//	var ce *coffer.Error
//	if errors.As(err, &ce) && ce.Param != "" {
//		form.SetError(ce.Param, ce.Message)
//	}
//
// coffer.ErrorCode(err) gives the code alone. The code is the server's when it answered;
// unavailable when it could not be reached, did not answer in time, or is shutting down; internal
// when its answer was not the API's JSON.
//
// # Idempotency and retries
//
// Every write carries an id you choose, the ID of its request (for the writes that create a
// transfer, also the transfer's id). The server applies an id at most once and keeps the outcome, so sending
// the same request again with the same id answers the first outcome, a success or a rejection,
// and moves no money a second time; the same id with other parameters is refused as a conflict.
// A request refused before it reached the ledger (malformed, or naming an asset or account that
// does not exist) does not use up its id.
// A write that failed with coffer.EUNAVAILABLE (the server was shutting down, the database did
// not answer, the connection broke, the call timed out) may or may not have been applied: send
// it again with the same id until it is answered, and it is applied exactly once. Ids may not
// contain '/', which is reserved for the ids Coffer derives (a payment's fee transfer is
// "<id>/fee").
//
// # Paging
//
// Every list method returns one page of at most the query's Limit items (50 when Limit is 0, at
// most 1000), in a stable order. The page's HasMore says whether more follow, and only then is
// its NextCursor set: pass it as the Cursor of the same query for the next page.
//
//	q := client.TransfersQuery{AccountID: "wallet:1001:USD"}
//	for {
//		page, err := c.Transfers(ctx, q)
//		if err != nil {
//			return err
//		}
//		use(page.Transfers)
//		if !page.HasMore {
//			break
//		}
//		q.Cursor = page.NextCursor
//	}
//
// Events page by their sequence number instead: Events returns the events after a seq, and
// NextAfter, set when HasMore, is the seq to ask after next. A consumer that has caught up goes on
// later from the last event's seq.
package client
