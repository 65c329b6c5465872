package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/cofferhq/coffer/client"
)

// TestServeTakesCommands starts a server with a RabbitMQ command source and sends it a deposit
// through the queue: the reply is the HTTP API's answer, and the money is there.
func TestServeTakesCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process and talks to RabbitMQ")
	}
	amqpURL := os.Getenv("COFFER_TEST_AMQP")
	if amqpURL == "" {
		t.Fatal("set COFFER_TEST_AMQP (make test does)")
	}
	queue := fmt.Sprintf("coffer.commands.serve%d", time.Now().UnixNano())
	srv := startServer(t, filepath.Join(t.TempDir(), "coffer.db"), crashAdminKey,
		"--command-source", amqpURL+"?queue="+queue+"&dead_letter_queue="+queue+".dead")
	ctx := context.Background()
	c := client.New(srv.URL(), crashAdminKey)
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	replies, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := ch.Consume(replies.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The server declares the queue as its consumer starts; declared here too (the same way)
	// so that the message waits for it.
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(client.Command{ID: "q-1", Type: client.CommandDeposit,
		Body: json.RawMessage(`{"owner":"alice","asset":"USD","amount":"12.50"}`)})
	if err := ch.PublishWithContext(ctx, "", queue, false, false, amqp.Publishing{ContentType: "application/json",
		ReplyTo: replies.Name, CorrelationId: "corr-1", Body: body}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-msgs:
		var res client.TransferResult
		if m.CorrelationId != "corr-1" || json.Unmarshal(m.Body, &res) != nil || res.Transfer.ID != "q-1" || res.Transfer.Amount != "12.50" {
			t.Fatalf("reply %q: %s", m.CorrelationId, m.Body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no reply within 30 s")
	}
	bs, err := c.Balances(ctx, "alice")
	if err != nil || len(bs.Balances) != 1 || bs.Balances[0].Balance != "12.50" {
		t.Fatalf("balances: %+v %v", bs, err)
	}
}
