// Package httpapi serves Coffer's HTTP/JSON API under /v1 and the OpenAPI document that
// describes it. The request and response types it reads and writes are package client's, the
// Go client, so the server and its clients share one definition of the contract.
//
// # Authentication
//
// Every /v1 endpoint except /v1/openapi.json needs "Authorization: Bearer <key>". A key is the
// bootstrap admin key of Config.AdminKey or a key created through POST /v1/keys, whose secret is
// shown once and stored only as its SHA-256. A key's role decides what it may do: reader (reads),
// operator (reads and money operations), admin (everything, including assets, keys, webhook
// endpoints, adjustments and verification). Lookups of stored keys are cached for KeyCacheTTL, so a revocation takes
// effect at once in the process that revoked the key and within KeyCacheTTL in every other one.
//
// # Errors
//
// Every error is the JSON envelope {"error":{"code":"...","message":"...","param":"..."}}, where
// param, when present, names the request field (as a path: "transfers[3].amount") or query
// parameter the error is about. Each code has exactly one HTTP status:
//
//	code                status
//	invalid             400 Bad Request
//	unauthorized        401 Unauthorized
//	insufficient_funds  402 Payment Required
//	forbidden           403 Forbidden
//	not_found           404 Not Found
//	conflict            409 Conflict
//	expired             410 Gone
//	limit_exceeded      422 Unprocessable Content
//	account_locked      423 Locked
//	internal            500 Internal Server Error
//	unavailable         503 Service Unavailable
//
// An unknown path or method is not_found, and so is a path with an empty, "." or ".." segment:
// the server never redirects. Anything that is not a *coffer.Error is reported as
// internal with the message "internal error" and logged once, here, with the request id.
//
// # Requests
//
// Every body is read by the strict decoder (internal/strict): one JSON object, names exact and
// each once, no unknown member, valid UTF-8, no null, within the limits of size, items, members
// and depth. Each route takes the query parameters its table entry lists and refuses any other.
// Every list answers has_more, and the cursor of the next page (next_after for events) only when
// more follow.
//
// # Idempotency
//
// Every write carries an operation id. The ledger applies an id at most once and keeps its
// outcome; the server renders a response only from what the ledger returns (the snapshots taken
// the first time), never from current state, so a replay with the same parameters gets the same
// status and the same bytes, whether the first outcome was a success or a rejection. The same id
// with other parameters is a conflict. Requests are validated before they reach the ledger, so a
// malformed request never uses up its id.
//
// # Amounts and times
//
// Amounts are decimal strings in major units ("12.50"), parsed and formatted with the asset's
// scale. Times are RFC 3339 in UTC with six decimals of the second (see client.Time). Event data
// is the exception: it is the ledger's own snapshot of the changed object, with amounts in minor
// units.
package httpapi
