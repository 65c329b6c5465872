package chain

import (
	"strings"
	"testing"
	"time"
)

func TestParseChain(t *testing.T) {
	t.Parallel()
	c, err := ParseChain("name=ethereum,id=1,rpc=https://node.example/v3/SECRETKEY,rpc=wss://backup.example,confirmations=12,poll=12s,blocks=500")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "ethereum" || c.ID != 1 || len(c.RPC) != 2 || c.RPC[0] != "https://node.example/v3/SECRETKEY" ||
		c.Confirmations != 12 || c.Poll != 12*time.Second || c.BlockRangeMax != 500 {
		t.Fatalf("%+v", c)
	}
	c, err = ParseChain("name=bsc, id=56, rpc=http://127.0.0.1:8545")
	if err != nil || c.Confirmations != 0 || c.Poll != 0 {
		t.Fatalf("%+v %v (defaults are Validate's)", c, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"id=1,rpc=http://a", "has no name="},
		{"name=x,rpc=http://a", "has no id="},
		{"name=x,id=1", "has no rpc="},
		{"name=x,id=one,rpc=http://a", "id=one: invalid syntax"},
		{"name=x,id=1,rpc=ftp://a", "the scheme must be http, https, ws or wss"},
		{"name=x,id=1,rpc=http://a,confirmations=0", "confirmations=0: must be at least 1"},
		{"name=x,id=1,rpc=http://a,poll=1ms", "must be at least 100ms"},
		{"name=x,id=1,rpc=http://a,blocks=0", "blocks=0: must be at least 1"},
		{"name=x,id=1,rpc=http://a,colour=red", `unknown "colour"`},
		{"name=x,name=y,id=1,rpc=http://a", "name is given twice"},
		{"name=x,id=1,rpc", `"rpc" is not name=value`},
		{"name=x,id=1,rpc=https://u:PASSWORD@h/v3/SECRETKEY,poll=x", "poll=x"},
	} {
		_, err := ParseChain(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.in, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "SECRETKEY") || strings.Contains(err.Error(), "PASSWORD") {
			t.Errorf("%s: the error shows the URL's secret: %v", tc.in, err)
		}
	}
}

func TestParseAsset(t *testing.T) {
	t.Parallel()
	a, err := ParseAsset("code=USDT,chain=ethereum,contract=0xdac17f958d2ee523a2206206994597c13d831ec7,decimals=6")
	if err != nil || a.Code != "USDT" || a.Chain != "ethereum" || a.Native() || a.Decimals != 6 ||
		a.Contract.Hex() != "0xdAC17F958D2ee523a2206206994597C13D831ec7" {
		t.Fatalf("%+v %v", a, err)
	}
	a, err = ParseAsset("code=ETH,chain=ethereum,decimals=18")
	if err != nil || !a.Native() || a.Decimals != 18 {
		t.Fatalf("%+v %v", a, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"code=USDT,chain=eth", "has no decimals="},
		{"code=USDT,chain=eth,decimals=19", "from 0 to 18"},
		{"code=USDT,chain=eth,decimals=-1", "from 0 to 18"},
		{"chain=eth,decimals=6", "has no code="},
		{"code=USDT,decimals=6", "has no chain="},
		{"code=USDT,chain=eth,decimals=6,contract=0xdAC17F958D2ee523a2206206994597C13D831ec8", "wrong EIP-55 checksum"},
		{"code=USDT,chain=eth,decimals=6,symbol=x", `unknown "symbol"`},
	} {
		if _, err := ParseAsset(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.in, err, tc.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://mainnet.example/v3/KEY":        "https://mainnet.example/…",
		"http://127.0.0.1:8545":                 "http://127.0.0.1:8545",
		"wss://user:pass@node.example/ws?key=x": "wss://user:…@node.example/…",
		"not a url":                             "(a URL)",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("%s: %s; want %s", in, got, want)
		}
	}
}
