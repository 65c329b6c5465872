package walletdemo

import (
	"net/http"

	"github.com/cofferhq/coffer"
)

// The demo's crypto wallet credited a deposit by its tx hash once the chain showed six
// confirmations, and withdrew to an address by sending from the wallet's own key. In Coffer
// the chain watcher credits every deposit to an owner's deposit address by itself, once, after
// its confirmations (GET /v1/deposits lists them), so nothing is credited by a client's
// request; and withdrawals to a chain address are not part of this build. Both endpoints
// answer so, with 501 and a sentence, and change nothing.

func (p *Profile) cryptoDeposit(r *http.Request) (int, any, error) {
	return 0, nil, coffer.Errorf(CodeNotAvailable, "crediting a crypto deposit by its tx hash is not available in this build: "+
		"Coffer's chain watcher credits deposits to owners' deposit addresses after their confirmations by itself "+
		"(POST /v1/owners/{owner}/addresses, GET /v1/deposits)")
}

func (p *Profile) cryptoWithdraw(r *http.Request) (int, any, error) {
	return 0, nil, coffer.Errorf(CodeNotAvailable, "withdrawing to a chain address is not available in this build")
}
