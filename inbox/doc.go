// Package inbox takes Coffer's write commands from message brokers: a RabbitMQ queue
// (AMQPConsumer) and a Kafka topic (KafkaConsumer), with the promises of the HTTP API.
//
// # Messages
//
// A message's body is a client.Command envelope, {"id": ..., "type": ..., "target": ...,
// "body": {...}}, read by the strict decoder that reads HTTP bodies: an unknown or repeated
// member, a missing id or type, anything past MessageBytesMax is refused. The command runs
// through an Executor (the HTTP server's Command), so its body is checked and applied exactly as
// the HTTP request of its type, and its answer is the JSON that request would get, with the HTTP
// status beside it in the Coffer-Status header. The command's id is its operation id: a message
// delivered twice is applied once and answered twice the same way.
//
// # Signatures
//
// With a shared secret configured, a message must carry the headers Coffer-Timestamp (unix
// seconds) and Coffer-Signature, the hex HMAC-SHA256 under the secret of the timestamp, a dot
// and the message's body, exactly as sent ("1733400000.{...}"). A message without them, with a
// signature that does not match, or with a timestamp further than the window (SignatureWindow,
// default five minutes) from the receiver's clock is refused as unauthorized and changes
// nothing.
//
// # Outcomes
//
// Every message ends in one of three ways, decided by the answer's status:
//
//   - Done (2xx, and the definite refusals 402 insufficient_funds, 404 not_found, 409 conflict,
//     410 expired, 422 limit_exceeded, 423 account_locked): the answer is the command's outcome.
//     It is published as the reply, then the message is acknowledged. A refusal the ledger
//     recorded is answered the same way if the command comes again.
//   - Poison (400 invalid, 401 unauthorized, 403 forbidden): the message can never succeed as
//     sent: it is malformed, too large, of an unknown type, badly signed, its body is invalid,
//     or the consumer's role may not send it. The error is published as the reply, the message
//     goes to the dead-letter queue or topic with the reason in the headers Coffer-Reason and
//     Coffer-Error-Code, then it is acknowledged.
//   - Transient (500 internal, 503 unavailable: the database is unreachable, Coffer is
//     stopping): nothing was decided. No reply is sent and the message is left unacknowledged,
//     to be delivered again after a backoff (RetryBackoffMin doubling to RetryBackoffMax);
//     since its id is its operation id, the retry never applies it twice.
//
// A message is acknowledged (a RabbitMQ ack, a Kafka offset commit) only after its outcome is
// committed and its reply, and its dead letter where it has one, are confirmed by the broker;
// a failure to publish either leaves it unacknowledged too. No message is dropped unanswered
// but one without a reply address, whose outcome is still listed at GET /v1/operations/{id}.
package inbox
