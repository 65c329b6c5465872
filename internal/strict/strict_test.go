package strict_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/strict"
)

type item struct {
	ID       string            `json:"id"`
	Amount   string            `json:"amount"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

type body struct {
	Kind      string        `json:"kind"`
	Asset     string        `json:"asset"`
	Amount    string        `json:"amount"`
	Timeout   int64         `json:"timeout_seconds"`
	Scale     *int          `json:"scale"`
	Pending   bool          `json:"pending"`
	Price     strict.Number `json:"price"`
	Transfers []item        `json:"transfers"`
	Inner     *body         `json:"inner"`
}

// TestDecode holds the decoder to what it refuses, with the param each refusal names.
func TestDecode(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"inner":`, 40) + `{}` + strings.Repeat(`}`, 40)
	tests := []struct {
		name, in string
		param    string // "-" for accepted
	}{
		{"object", `{"kind":"wallet","amount":"1.00","timeout_seconds":30,"scale":2,"pending":true}`, "-"},
		{"whitespace around", " \n{\"kind\":\"wallet\"}\r\n\t", "-"},
		{"escapes", `{"asset":"\u0055SD","kind":"\ud83d\ude00"}`, "-"},
		{"price number", `{"price":1.50e3}`, "-"},
		{"items at the limit", `{"transfers":[{},{},{}]}`, "-"},

		{"duplicate", `{"amount":"1.00","amount":"900.00"}`, "amount"},
		{"duplicate escaped", `{"amount":"1.00","\u0061mount":"900.00"}`, "amount"},
		{"duplicate deep", `{"transfers":[{"metadata":{"k":"v","k":"w"}}]}`, "transfers[0].metadata.k"},
		{"duplicate unknown", `{"x":1,"x":2}`, "x"},
		{"upper case", `{"AMOUNT":"1"}`, "AMOUNT"},
		{"title case", `{"Amount":"1"}`, "Amount"},
		{"long s", `{"aſſet":"USD"}`, "aſſet"},
		{"Kelvin sign", "{\"\u212aind\":\"wallet\"}", "\u212aind"},
		{"unknown", `{"amout":"1"}`, "amout"},
		{"unknown in an item", `{"transfers":[{"id":"a"},{"idd":"b"}]}`, "transfers[1].idd"},
		{"invalid UTF-8", "{\"asset\":\"US\xff\"}", "asset"},
		{"invalid UTF-8 in metadata", "{\"transfers\":[{\"metadata\":{\"k\":\"\xc0\x80\"}}]}", "transfers[0].metadata.k"},
		{"invalid UTF-8 in a name", "{\"a\xffsset\":\"USD\"}", ""},
		{"lone high surrogate", `{"asset":"x\ud800"}`, "asset"},
		{"lone low surrogate", `{"asset":"x\udfff"}`, "asset"},
		{"reversed surrogates", `{"asset":"\udc00\ud800"}`, "asset"},
		{"null member", `{"amount":null}`, "amount"},
		{"null item", `{"transfers":[null]}`, "transfers[0]"},
		{"null body", `null`, ""},
		{"array body", `[{}]`, ""},
		{"string body", `"x"`, ""},
		{"number body", `1`, ""},
		{"empty", ``, ""},
		{"blank", " \n ", ""},
		{"two objects", `{}{}`, ""},
		{"trailing comma", `{"amount":"1",}`, ""},
		{"trailing garbage", `{"amount":"1"} x`, ""},
		{"truncated", `{"amount":"1`, ""},
		{"truncated after a member", `{"amount":"1",`, ""},
		{"integer exponent", `{"timeout_seconds":1e3}`, "timeout_seconds"},
		{"integer fraction", `{"timeout_seconds":1.0}`, "timeout_seconds"},
		{"integer too large", `{"timeout_seconds":9223372036854775808}`, "timeout_seconds"},
		{"integer as string", `{"timeout_seconds":"30"}`, "timeout_seconds"},
		{"string as number", `{"amount":1.00}`, "amount"},
		{"number as string", `{"price":"1.00"}`, "price"},
		{"bool as string", `{"pending":"true"}`, "pending"},
		{"items over the limit", `{"transfers":[{},{},{},{}]}`, "transfers"},
		{"members over the limit", `{"transfers":[{"metadata":{"a":"","b":"","c":"","d":"","e":"","f":"","g":""}}]}`, "transfers[0].metadata"},
		{"too deep", `{"inner":` + deep + `}`, "inner.inner.inner.inner.inner"},
		{"odd name quoted", `{"transfers":[{"metadata":{"order id":1}}]}`, `transfers[0].metadata["order id"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b body
			err := strict.Decode(strings.NewReader(tt.in), &b, strict.Options{ItemsMax: 3, MembersMax: 6, DepthMax: 5})
			if tt.param == "-" {
				if err != nil {
					t.Fatalf("%q: %v", tt.in, err)
				}
				return
			}
			var ce *coffer.Error
			if !errors.As(err, &ce) || ce.Code != coffer.EINVALID || ce.Message == "" {
				t.Fatalf("%q: got %v, want an invalid *coffer.Error", tt.in, err)
			}
			if ce.Param != tt.param {
				t.Errorf("%q: param %q, want %q (%s)", tt.in, ce.Param, tt.param, ce.Message)
			}
			if last := tt.param[strings.LastIndexAny(tt.param, ".[")+1:]; !strings.Contains(ce.Message, strings.TrimSuffix(last, "]")) {
				t.Errorf("%q: message %q does not name %s", tt.in, ce.Message, tt.param)
			}
		})
	}
}

// TestDecodeValues checks what an accepted body decodes to: escapes resolved, numbers exact.
func TestDecodeValues(t *testing.T) {
	t.Parallel()
	var b body
	in := `{"asset":"\u0055SD","timeout_seconds":-0,"scale":0,"price":-12.50e-3,"transfers":[{"id":"a","metadata":{"k":"\u00e9"}}]}`
	if err := strict.Decode(strings.NewReader(in), &b, strict.Options{}); err != nil {
		t.Fatal(err)
	}
	if b.Asset != "USD" || b.Timeout != 0 || b.Scale == nil || *b.Scale != 0 || b.Price != "-12.50e-3" ||
		len(b.Transfers) != 1 || b.Transfers[0].Metadata["k"] != "é" {
		t.Errorf("decoded %+v", b)
	}
	var empty body
	if err := strict.Decode(strings.NewReader("  "), &empty, strict.Options{EmptyOK: true}); err != nil {
		t.Errorf("an empty body with EmptyOK: %v", err)
	}
}

// endless is a body that never ends: an array of empty objects after a prefix. It counts what
// was read of it.
type endless struct {
	prefix string
	read   int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if int(e.read) < len(e.prefix) {
			p[n] = e.prefix[e.read]
		} else {
			p[n] = "{},"[(int(e.read)-len(e.prefix))%3]
		}
		n++
		e.read++
	}
	return n, nil
}

// TestDecodeStopsAtItemsMax checks that an array is refused as its first item past the limit
// starts, not after it was read whole: the body here has no end.
func TestDecodeStopsAtItemsMax(t *testing.T) {
	t.Parallel()
	const itemsMax = 10_000
	src := &endless{prefix: `{"transfers":[`}
	var b body
	err := strict.Decode(src, &b, strict.Options{ItemsMax: itemsMax, BytesMax: 1 << 40})
	var ce *coffer.Error
	if !errors.As(err, &ce) || ce.Param != "transfers" {
		t.Fatalf("got %v, want an invalid error about transfers", err)
	}
	// The items are counted before any is decoded.
	if len(b.Transfers) != 0 {
		t.Errorf("decoded %d items of a body refused", len(b.Transfers))
	}
	// Each item is 3 bytes; the reader may read ahead one buffer.
	if limit := int64(len(src.prefix)+3*itemsMax) + 1<<20; src.read > limit {
		t.Errorf("read %d bytes of the body, more than the %d the limit needs", src.read, limit)
	}
}

func TestDecodeBytesMax(t *testing.T) {
	t.Parallel()
	in := `{"asset":"USD"}`
	var b body
	if err := strict.Decode(strings.NewReader(in), &b, strict.Options{BytesMax: int64(len(in))}); err != nil {
		t.Errorf("a body of exactly BytesMax: %v", err)
	}
	err := strict.Decode(strings.NewReader(in+" "), &b, strict.Options{BytesMax: int64(len(in))})
	if coffer.ErrorCode(err) != coffer.EINVALID || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a body one byte over BytesMax: %v", err)
	}
	if errors.Is(err, strict.ErrUnreadable) {
		t.Errorf("a body over the limit is reported as unreadable: %v", err)
	}
}

// failing is a body whose reader fails after some bytes, as a cut connection does.
type failing struct {
	data string
	err  error
}

func (f *failing) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestDecodeUnreadable(t *testing.T) {
	t.Parallel()
	cut := errors.New("connection reset by peer")
	for _, tt := range []struct {
		name string
		src  io.Reader
		want error
	}{
		{"cut short", &failing{`{"asset":"US`, io.ErrUnexpectedEOF}, io.ErrUnexpectedEOF},
		{"reset", &failing{`{"asset":`, cut}, cut},
		{"after a whole object", &failing{`{"asset":"USD"}`, cut}, cut},
		{"before anything", &failing{``, cut}, cut},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b body
			err := strict.Decode(tt.src, &b, strict.Options{})
			if coffer.ErrorCode(err) != coffer.EINVALID || !errors.Is(err, strict.ErrUnreadable) || !errors.Is(err, tt.want) {
				t.Errorf("got %v, want an invalid error holding ErrUnreadable and %v", err, tt.want)
			}
		})
	}
}
