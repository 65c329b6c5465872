package strict_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/strict"
)

// fuzzBody has a field of every kind the decoder serves, each a pointer (or nil-able), so that
// what was absent stays absent when it is written again.
type fuzzBody struct {
	ID       *string            `json:"id,omitempty"`
	Amount   *string            `json:"amount,omitempty"`
	Count    *int64             `json:"count,omitempty"`
	Scale    *int               `json:"scale,omitempty"`
	Flag     *bool              `json:"flag,omitempty"`
	Price    *strict.Number     `json:"price,omitempty"`
	Metadata *map[string]string `json:"metadata,omitempty"`
	Items    *[]fuzzBody        `json:"items,omitempty"`
	Inner    *fuzzBody          `json:"inner,omitempty"`
}

// FuzzDecode feeds the decoder hostile bodies. Whatever it accepts must be one JSON object of
// valid UTF-8 that, written again from what was decoded, means the same (the same members with
// the same values, numbers as sent) and decodes again to the same; whatever it refuses must be
// an invalid *coffer.Error with a message. It must never panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","amount":"1.00","count":3,"scale":0,"flag":true,"price":12.5,"metadata":{"k":"v"}}`,
		`{"items":[{"id":"a"},{"id":"b","inner":{"price":-0}}]}`,
		`{"amount":"1.00","amount":"900.00"}`,
		`{"items":[{"metadata":{"k":"v","k":"w"}}]}`,
		`{"AMOUNT":"1"}`, `{"aſſet":"USD"}`, "{\"\u212aind\":\"x\"}", `{"Id":"x"}`,
		"{\"id\":\"x\xff\"}", "{\"id\":\"\xed\xa0\x80\"}", `{"id":"x\ud800"}`, `{"id":"\udfff"}`,
		`{"id":"\ud83d\ude00"}`, `{"id":"\u0000"}`, "{\"i\xffd\":1}",
		`{"id":"x"`, `{"id":`, `{`, ``, ` `, `null`, `[]`, `"x"`, `1`, `{}{}`, `{} x`,
		strings.Repeat(`{"inner":`, 50) + `{}` + strings.Repeat(`}`, 50),
		strings.Repeat(`[`, 100),
		`{"items":[` + strings.Repeat(`{},`, 100) + `{}]}`,
		`{"price":1e308}`, `{"price":1E-400}`, `{"price":-0.0e+0}`, `{"count":1e3}`, `{"count":1.0}`,
		`{"count":-0}`, `{"count":9223372036854775807}`, `{"count":-9223372036854775809}`, `{"price":01}`,
		`{"amount":null}`, `{"metadata":{"k":null}}`, `{"items":[null]}`, `{"flag":"true"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var got fuzzBody
		err := strict.Decode(bytes.NewReader(in), &got, strict.Options{ItemsMax: 100, MembersMax: 64, DepthMax: 16})
		if err != nil {
			var ce *coffer.Error
			if !errors.As(err, &ce) || ce.Code != coffer.EINVALID || ce.Message == "" {
				t.Fatalf("%q: refused with %v, not an invalid *coffer.Error", in, err)
			}
			return
		}
		if !utf8.Valid(in) || !json.Valid(in) {
			t.Fatalf("accepted %q, which is not valid JSON of valid UTF-8", in)
		}
		out, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("accepted %q, whose value %+v does not encode: %v", in, got, err)
		}
		if a, b := generic(t, in), generic(t, out); !sameMeaning(a, b) {
			t.Fatalf("accepted %q as %s, which means something else", in, out)
		}
		var again fuzzBody
		if err := strict.Decode(bytes.NewReader(out), &again, strict.Options{ItemsMax: 100, MembersMax: 64, DepthMax: 16}); err != nil {
			t.Fatalf("%s, written from %q, is refused: %v", out, in, err)
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("%q decodes to %+v, written again to %+v", in, got, again)
		}
	})
}

// generic reads JSON with encoding/json into maps, slices and json.Number.
func generic(t *testing.T, data []byte) any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%q: %v", data, err)
	}
	return v
}

// sameMeaning compares two generic values; numbers are the same when their text is, or when both
// are integers of equal value (an integer field writes -0 as 0).
func sameMeaning(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !sameMeaning(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameMeaning(a[i], b[i]) {
				return false
			}
		}
		return true
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		x, errA := strconv.ParseInt(string(a), 10, 64)
		y, errB := strconv.ParseInt(string(b), 10, 64)
		return errA == nil && errB == nil && x == y
	}
	return a == b
}
