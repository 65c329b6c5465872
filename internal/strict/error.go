package strict

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/cofferhq/coffer"
)

// limitError is what the check before each value refuses it for.
type limitError struct {
	kind limitKind
	max  int
	// container and value point to the enclosing array or object and to the refused value.
	container, value jsontext.Pointer
}

type limitKind int

const (
	limitNull limitKind = iota
	limitItems
	limitMembers
	limitDepth
)

func (e *limitError) Error() string { return fmt.Sprintf("limit %d of kind %d", e.max, e.kind) }

// readError is an invalid *coffer.Error whose chain also holds ErrUnreadable and the reader's
// error.
type readError struct {
	ce    *coffer.Error
	cause error
}

func (e *readError) Error() string   { return e.ce.Error() + ": " + e.cause.Error() }
func (e *readError) Unwrap() []error { return []error{e.ce, ErrUnreadable, e.cause} }

// translate turns an error of the JSON reader into the invalid *coffer.Error the caller sees.
// v is the value being decoded, whose type tells array indexes from member names in a path.
func translate(err error, src *source, opt Options, v any) error {
	switch {
	case src.tooLarge:
		return coffer.Invalid("", "the body is larger than %d bytes", opt.BytesMax)
	case src.err != nil:
		return &readError{ce: coffer.Invalid("", "the body could not be read to its end: it was cut short, "+
			"badly framed, or the connection failed"), cause: src.err}
	}
	t := reflect.TypeOf(v)
	var lim *limitError
	var sem *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &lim):
		return limitMessage(lim, t)
	case errors.As(err, &syn):
		return syntaxMessage(syn, t)
	case errors.As(err, &sem):
		return semanticMessage(sem, t)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return coffer.Invalid("", "the body ends in the middle of a JSON value")
	}
	return coffer.Invalid("", "the body is not a JSON object of the expected shape: %v", err)
}

func limitMessage(lim *limitError, t reflect.Type) error {
	switch lim.kind {
	case limitNull:
		p := path(lim.value, t)
		if p == "" {
			return coffer.Invalid("", "the body must be a JSON object, not null")
		}
		return coffer.Invalid(p, "%s must not be null; leave it out instead", p)
	case limitItems:
		p := path(lim.container, t)
		return coffer.Invalid(p, "%s has more than %d items; at most %d are allowed", named(p), lim.max, lim.max)
	case limitMembers:
		p := path(lim.container, t)
		return coffer.Invalid(p, "%s has more than %d members; at most %d are allowed", named(p), lim.max, lim.max)
	}
	p := path(lim.value, t)
	return coffer.Invalid(p, "%s nests arrays and objects more than %d deep", named(p), lim.max)
}

func syntaxMessage(syn *jsontext.SyntacticError, t reflect.Type) error {
	p := path(syn.JSONPointer, t)
	switch {
	case errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return coffer.Invalid(p, "%s appears twice; send each member once", p)
	case errors.Is(syn.Err, io.ErrUnexpectedEOF):
		return coffer.Invalid("", "the body ends in the middle of a JSON value")
	case p != "":
		// The reader's own words say what is wrong: invalid UTF-8, a lone surrogate, a stray
		// character.
		return coffer.Invalid(p, "%s is not valid JSON at byte %d: %v", p, syn.ByteOffset, syn.Err)
	}
	return coffer.Invalid("", "the body is not valid JSON at byte %d: %v", syn.ByteOffset, syn.Err)
}

func semanticMessage(sem *json.SemanticError, t reflect.Type) error {
	p := path(sem.JSONPointer, t)
	if errors.Is(sem.Err, json.ErrUnknownName) {
		name := sem.JSONPointer.LastToken()
		msg := fmt.Sprintf("%s is not a field of %s", quoteName(name), named(path(sem.JSONPointer.Parent(), t)))
		if exact := foldMatch(sem.GoType, name); exact != "" {
			msg += fmt.Sprintf("; names are exact: the field is %q", exact)
		}
		return coffer.Invalid(p, "%s", msg)
	}
	want := goKind(sem.GoType)
	got := kindName(sem.JSONKind)
	var ke *kindError
	if errors.As(sem.Err, &ke) {
		got = kindName(ke.got)
	}
	switch {
	case p == "":
		return coffer.Invalid("", "the body must be %s, not %s", want, got)
	case sem.JSONKind == '0' && sem.JSONValue != nil:
		// Integers are read exactly: no fraction, no exponent, within range.
		return coffer.Invalid(p, "%s must be %s, not the number %s", p, want, clip(string(sem.JSONValue)))
	}
	return coffer.Invalid(p, "%s must be %s, not %s", p, want, got)
}

// named names a path in a sentence: the body itself when it is the root.
func named(p string) string {
	if p == "" {
		return "the body"
	}
	return p
}

// quoteName writes a member name for a sentence.
func quoteName(name string) string { return strconv.Quote(clip(name)) }

// foldMatch returns the exact name of t's field that name matches only without case (AMOUNT,
// aſſet and the Kelvin sign all fold onto ASCII), or "".
func foldMatch(t reflect.Type, name string) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	for f := range t.Fields() {
		if n := fieldName(f); n != "" && strings.EqualFold(n, name) {
			return n
		}
	}
	return ""
}

// fieldName returns the JSON name of a struct field, or "" if it has none.
func fieldName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return f.Name
	}
	return name
}

// kindName names a JSON kind for a sentence.
func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "JSON"
}

// goKind names what JSON a Go type takes.
func goKind(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	if t == numberType {
		return "a JSON number"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer of 0 or more"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return goKind(t.Elem())
	}
	return "of another type"
}
