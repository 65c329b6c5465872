package paymentqueue

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"

	amqp "github.com/rabbitmq/amqp091-go"
)

// driverParams are amqp091-go's own query parameters, left in the URL for it.
var driverParams = []string{"heartbeat", "connection_timeout", "channel_max", "auth_mechanism",
	"certfile", "keyfile", "cacertfile", "server_name_indication"}

// ParseURL reads the broker of the contract: amqp://user:pass@host:5672/vhost, with query
// parameters that change the defaults (exchange, exchange_kind, dead_letter_queue, prefetch,
// and <kind>_queue and <kind>_key for topup, withdraw, pay, topup_return, withdraw_return and
// pay_return). They are taken out of the URL; amqp091-go's own are left in it; any other is an
// error, and so is a parameter given twice or a scheme other than amqp or amqps.
func ParseURL(s string) (Broker, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Broker{}, errors.New("payment queue: the URL does not parse") // url's error repeats the password
	}
	if u.Scheme != "amqp" && u.Scheme != "amqps" {
		return Broker{}, fmt.Errorf("payment queue %s: the scheme must be amqp or amqps", redact(s))
	}
	if u.Host == "" {
		return Broker{}, fmt.Errorf("payment queue %s: the URL names no host", redact(s))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Broker{}, fmt.Errorf("payment queue %s: the query does not parse: %v", redact(s), err)
	}
	b := Broker{Routes: DefaultRoutes()}
	r := &b.Routes
	own := map[string]*string{"exchange": &b.Exchange, "exchange_kind": &b.ExchangeKind, "dead_letter_queue": &b.DeadLetterQueue,
		"topup_queue": &r.Topup.Queue, "topup_key": &r.Topup.RoutingKey,
		"withdraw_queue": &r.Withdraw.Queue, "withdraw_key": &r.Withdraw.RoutingKey,
		"pay_queue": &r.Pay.Queue, "pay_key": &r.Pay.RoutingKey,
		"topup_return_queue": &r.TopupReturn.Queue, "topup_return_key": &r.TopupReturn.RoutingKey,
		"withdraw_return_queue": &r.WithdrawReturn.Queue, "withdraw_return_key": &r.WithdrawReturn.RoutingKey,
		"pay_return_queue": &r.PayReturn.Queue, "pay_return_key": &r.PayReturn.RoutingKey}
	for name, vs := range q {
		p, isOwn := own[name]
		switch {
		case len(vs) > 1:
			return Broker{}, fmt.Errorf("payment queue %s: %s is given %d times", redact(s), name, len(vs))
		case name == "prefetch":
			n, err := strconv.Atoi(vs[0])
			if err != nil || n < 1 || n > 1000 {
				return Broker{}, fmt.Errorf("payment queue %s: prefetch %q must be a whole number from 1 to 1000", redact(s), vs[0])
			}
			b.Prefetch = n
			q.Del(name)
		case isOwn:
			if vs[0] == "" {
				return Broker{}, fmt.Errorf("payment queue %s: %s is empty", redact(s), name)
			}
			*p = vs[0]
			q.Del(name)
		case !slices.Contains(driverParams, name):
			names := []string{"prefetch"}
			for n := range own {
				names = append(names, n)
			}
			sort.Strings(names)
			return Broker{}, fmt.Errorf("payment queue %s: unknown parameter %q; Coffer's are %v, the driver's %v", redact(s), name, names, driverParams)
		}
	}
	if b.ExchangeKind != "" && !slices.Contains([]string{"direct", "topic", "fanout", "headers"}, b.ExchangeKind) {
		return Broker{}, fmt.Errorf("payment queue %s: exchange_kind %q must be direct, topic, fanout or headers", redact(s), b.ExchangeKind)
	}
	seen := map[string]string{}
	for name, q := range map[string]string{"topup": r.Topup.Queue, "withdraw": r.Withdraw.Queue, "pay": r.Pay.Queue,
		"topup_return": r.TopupReturn.Queue, "withdraw_return": r.WithdrawReturn.Queue, "pay_return": r.PayReturn.Queue} {
		if other, ok := seen[q]; ok {
			return Broker{}, fmt.Errorf("payment queue %s: %s and %s are both queue %q", redact(s), other, name, q)
		}
		seen[q] = name
	}
	u.RawQuery = q.Encode()
	b.URL = u.String()
	if _, err := amqp.ParseURI(b.URL); err != nil {
		return Broker{}, fmt.Errorf("payment queue %s: %v", redact(s), err)
	}
	return b.withDefaults(), nil
}
