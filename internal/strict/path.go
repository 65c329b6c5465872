package strict

import (
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// nameLengthMax caps a member name echoed in a path or a sentence: a hostile body may send a
// name of a megabyte, and an error need not repeat it.
const nameLengthMax = 128

// path writes a JSON pointer into the decoded value as the API names fields: member names
// joined by dots, array indexes in brackets, and a name that a dot or bracket would make
// ambiguous quoted in brackets: transfers[3].amount, metadata["order id"]. The type of the
// value tells an index from a name that is all digits. The root is "".
func path(p jsontext.Pointer, t reflect.Type) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		t = deref(t)
		switch {
		case t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			b.WriteString("[" + tok + "]")
			t = t.Elem()
			continue
		case t != nil && t.Kind() == reflect.Struct:
			t = fieldType(t, tok)
		case t != nil && t.Kind() == reflect.Map:
			t = t.Elem()
		default:
			t = nil
		}
		tok = clip(tok)
		if plainName(tok) {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(tok)
		} else {
			b.WriteString("[" + strconv.Quote(tok) + "]")
		}
	}
	return b.String()
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldType returns the type of t's field named name, or nil.
func fieldType(t reflect.Type, name string) reflect.Type {
	for f := range t.Fields() {
		if fieldName(f) == name {
			return f.Type
		}
	}
	return nil
}

// plainName reports whether a name can stand in a path unquoted: printable, without spaces,
// dots, brackets or quotes.
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || strings.ContainsRune(`.[]"`, r) {
			return false
		}
	}
	return true
}

// clip shortens a name to nameLengthMax bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= nameLengthMax {
		return s
	}
	cut := nameLengthMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Member returns the path of the member name of the object at parent, as errors write it:
// Member("metadata", "k") is metadata.k, Member("metadata", "order id") is
// metadata["order id"], Member("", "amount") is amount.
func Member(parent, name string) string {
	name = clip(name)
	switch {
	case !plainName(name):
		return parent + "[" + strconv.Quote(name) + "]"
	case parent == "":
		return name
	}
	return parent + "." + name
}

// Item returns the path of item i of the array at parent: Item("transfers", 3) is
// transfers[3].
func Item(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }
