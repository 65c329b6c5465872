package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// The examples run against the server TestMain starts: serverURL and apiKey stand for your
// server's address ("http://127.0.0.1:8080") and an API key.

func Example() {
	ctx := context.Background()
	c := client.New(serverURL, apiKey)

	// An admin creates each asset once; creating it again with the same scale answers the same.
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		log.Fatal(err)
	}
	// Money enters the wallet of owner 1001, created on first use, under an id of your choosing.
	_, err := c.Deposit(ctx, client.DepositRequest{ID: "dep-1", Owner: "1001", Asset: "USD", Amount: "100.00"})
	if err != nil {
		log.Fatal(err)
	}
	balances, err := c.Balances(ctx, "1001")
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range balances.Balances {
		fmt.Println(b.AccountID, b.Balance)
	}
	// Output:
	// wallet:1001:USD 100.00
}

func ExampleClient_Deposit() {
	ctx := context.Background()
	c := client.New(serverURL, apiKey)

	req := client.DepositRequest{ID: "dep-2001-1", Owner: "2001", Asset: "USD", Amount: "25.50", Source: "card-4242"}
	res, err := c.Deposit(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	t := res.Transfer
	fmt.Println(t.ID, t.DebitAccountID, "->", t.CreditAccountID, t.Amount, t.State)

	// Had the answer been lost (an unavailable error, a timeout), the same request sent again is
	// the same deposit: the money moves once, and the answer is the first one.
	again, err := c.Deposit(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("same deposit:", again.Transfer.ID == t.ID && again.Transfer.CreatedAt.Equal(t.CreatedAt.Time))

	wallet, err := c.Account(ctx, "wallet:2001:USD")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("balance", wallet.Balance)
	// Output:
	// dep-2001-1 system:world:USD -> wallet:2001:USD 25.50 posted
	// same deposit: true
	// balance 25.50
}

func ExampleClient_Pay() {
	ctx := context.Background()
	c := client.New(serverURL, apiKey)

	_, err := c.Deposit(ctx, client.DepositRequest{ID: "dep-3001-1", Owner: "3001", Asset: "USD", Amount: "50.00"})
	if err != nil {
		log.Fatal(err)
	}
	// The wallet pays the merchant 25.00, and the merchant pays the fee, 0.75, out of it: both or
	// neither.
	res, err := c.Pay(ctx, client.PaymentRequest{ID: "pay-3001-1", Owner: "3001", Merchant: "shop-3",
		Asset: "USD", Amount: "25.00", Fee: "0.75", OrderID: "o-881"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Transfer.ID, res.Transfer.DebitAccountID, "->", res.Transfer.CreditAccountID, res.Transfer.Amount)
	fmt.Println(res.Fee.ID, res.Fee.DebitAccountID, "->", res.Fee.CreditAccountID, res.Fee.Amount)

	merchant, err := c.Account(ctx, "merchant:shop-3:USD")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("the merchant keeps", merchant.Balance)
	// Output:
	// pay-3001-1 wallet:3001:USD -> merchant:shop-3:USD 25.00
	// pay-3001-1/fee merchant:shop-3:USD -> system:fees:USD 0.75
	// the merchant keeps 24.25
}

func ExampleClient_Pay_errors() {
	ctx := context.Background()
	c := client.New(serverURL, apiKey)

	// A request that breaks a rule of its own is refused before anything is recorded, and the
	// error names the field, so a form can show the message next to it.
	_, err := c.Pay(ctx, client.PaymentRequest{ID: "pay-5001-1", Owner: "5001", Merchant: "shop-5",
		Asset: "USD", Amount: "10.005", OrderID: "o-5"})
	var ce *coffer.Error
	if errors.As(err, &ce) {
		fmt.Printf("code=%s param=%s\n", ce.Code, ce.Param)
		fmt.Println(ce.Message)
	}

	// A payment the wallet cannot afford is refused by the ledger. The refusal is recorded under
	// the id, so sending it again answers the same refusal: use a new id to try again.
	_, err = c.Pay(ctx, client.PaymentRequest{ID: "pay-5001-2", Owner: "5001", Merchant: "shop-5",
		Asset: "USD", Amount: "10.00", OrderID: "o-5"})
	switch coffer.ErrorCode(err) {
	case coffer.EINSUFFICIENTFUNDS:
		fmt.Println("insufficient_funds: ask for a top-up")
	case coffer.EUNAVAILABLE:
		fmt.Println("unavailable: send it again with the same id")
	}
	// Output:
	// code=invalid param=amount
	// amount "10.005" has 3 decimals; this asset allows at most 2
	// insufficient_funds: ask for a top-up
}

func ExampleClient_Transfers() {
	ctx := context.Background()
	c := client.New(serverURL, apiKey)

	for i := 1; i <= 5; i++ {
		_, err := c.Deposit(ctx, client.DepositRequest{ID: fmt.Sprintf("dep-4001-%d", i), Owner: "4001",
			Asset: "USD", Amount: fmt.Sprintf("%d.00", i)})
		if err != nil {
			log.Fatal(err)
		}
	}
	// Pages of two: follow NextCursor while HasMore.
	q := client.TransfersQuery{AccountID: "wallet:4001:USD", Limit: 2}
	for n := 1; ; n++ {
		page, err := c.Transfers(ctx, q)
		if err != nil {
			log.Fatal(err)
		}
		for _, t := range page.Transfers {
			fmt.Printf("page %d: %s %s\n", n, t.ID, t.Amount)
		}
		if !page.HasMore {
			break
		}
		q.Cursor = page.NextCursor
	}
	// Output:
	// page 1: dep-4001-1 1.00
	// page 1: dep-4001-2 2.00
	// page 2: dep-4001-3 3.00
	// page 2: dep-4001-4 4.00
	// page 3: dep-4001-5 5.00
}
