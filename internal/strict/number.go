package strict

import (
	"errors"
	"reflect"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Number is a JSON number's literal text, exactly as it was sent ("12.50", "1e3", "-0"). A field
// of this type takes a JSON number and nothing else, and the number never passes through a
// float: an amount sent as a JSON number is parsed from this text at the asset's scale
// (coffer.ParseAmount), which refuses what is not an exact decimal.
type Number string

// MarshalJSON writes the number as it was read.
func (n Number) MarshalJSON() ([]byte, error) {
	if n == "" {
		return nil, errors.New("strict: an empty Number is not JSON")
	}
	return []byte(n), nil
}

var numberType = reflect.TypeFor[Number]()

// numberFunc decodes a Number: a JSON number's raw text. The JSON reader has already checked
// its grammar.
var numberFunc = json.UnmarshalFromFunc(func(dec *jsontext.Decoder, n *Number) error {
	k := dec.PeekKind()
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if k != '0' {
		return &kindError{got: k}
	}
	*n = Number(v)
	return nil
})

// kindError refuses a value of the wrong JSON kind for a Number.
type kindError struct{ got jsontext.Kind }

func (e *kindError) Error() string { return "not a JSON number but " + kindName(e.got) }
