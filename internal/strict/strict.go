// Package strict reads a JSON object from hostile input into a Go value, refusing everything
// that two honest readers could read two ways: duplicate member names at any depth, any name
// that is not exactly a field's name (no case folding, so no Unicode look-alikes either),
// unknown members, invalid UTF-8 and lone surrogate escapes, null, and anything after the
// object. It bounds what one body can make the reader hold: its bytes, the items of any array
// and the members of any object (counted while decoding, stopping at the limit), and nesting.
//
// It is the one decoder of every request body of the HTTP API and of every command that comes
// in another way, so that each entry point inherits the same rules. Every error it returns is a
// *coffer.Error with code invalid, a sentence that names the field by its path
// ("transfers[3].amount"), and that path in Param. Numbers are read exactly: integer fields
// refuse fractions and exponents, and a Number field keeps a JSON number's literal text, so
// that an amount sent as a JSON number never passes through a float.
//
// It reads a body in two passes. The first reads the stream token by token, as it arrives,
// keeping the bytes: it refuses bad syntax, duplicate names, invalid UTF-8, null and anything
// past a limit without decoding a value, so that a hostile body costs a scan of its first bytes
// and nothing more (a batch of a million empty items is refused as its item past the limit
// starts). The second decodes the kept bytes into the Go value, refusing unknown members and
// values of the wrong type.
//
// It is built on github.com/go-json-experiment/json, the implementation that encoding/json/v2
// grew from, whose token reader refuses duplicate names and invalid UTF-8 by itself and whose
// unmarshaler matches names exactly and can refuse unknown members.
package strict

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/cofferhq/coffer"
)

// Default limits. A zero field of Options takes these.
const (
	// BytesMaxDefault caps a body: the largest single command, metadata included, is a few
	// kilobytes, and the cap keeps one body from holding much memory.
	BytesMaxDefault = 1 << 20
	// ItemsMaxDefault caps the items of any one array. No single command has a list; a batch
	// of many passes its own bound.
	ItemsMaxDefault = 1000
	// MembersMaxDefault caps the members of any one object, a map's included. Coffer's objects
	// have at most a dozen fields and metadata at most coffer.MetadataKeysMax keys; without a
	// cap a body of small members decodes into a map many times the body's size.
	MembersMaxDefault = 256
	// DepthMaxDefault caps nesting: Coffer's deepest body (a batch's item's metadata) is four
	// levels down, and deep nesting only costs the reader.
	DepthMaxDefault = 32
)

// Options says what one Decode accepts. The zero value takes every default.
type Options struct {
	// BytesMax caps the body's size in bytes. Default BytesMaxDefault.
	BytesMax int64
	// ItemsMax caps the items of any one array. Default ItemsMaxDefault.
	ItemsMax int
	// MembersMax caps the members of any one object. Default MembersMaxDefault.
	MembersMax int
	// DepthMax caps how deep arrays and objects nest. Default DepthMaxDefault.
	DepthMax int
	// EmptyOK accepts an empty body (nothing, or only whitespace) as an empty object.
	EmptyOK bool
}

func (o Options) withDefaults() Options {
	if o.BytesMax <= 0 {
		o.BytesMax = BytesMaxDefault
	}
	if o.ItemsMax <= 0 {
		o.ItemsMax = ItemsMaxDefault
	}
	if o.MembersMax <= 0 {
		o.MembersMax = MembersMaxDefault
	}
	if o.DepthMax <= 0 {
		o.DepthMax = DepthMaxDefault
	}
	return o
}

// ErrUnreadable is in the chain of the error Decode returns when the body itself could not be
// read: it was cut short of its announced length, badly framed, or its sender went away. The
// error is still an invalid *coffer.Error; this tells a caller that the sender may be gone and
// that the cause is worth a line in the log, which errors.Unwrap gives.
var ErrUnreadable = errors.New("the body could not be read")

// Decode reads exactly one JSON object from r into v, a pointer to a struct (or a map), as the
// package comment says. It reads r as a stream, never more than Options.BytesMax bytes, and
// stops at the first error.
func Decode(r io.Reader, v any, opt Options) error {
	opt = opt.withDefaults()
	src := &source{r: r, left: opt.BytesMax}
	var kept bytes.Buffer
	dec := jsontext.NewDecoder(io.TeeReader(src, &kept))
	switch k := dec.PeekKind(); k {
	case '{':
	case 0: // nothing, or an error the read reports
		_, err := dec.ReadToken()
		if errors.Is(err, io.EOF) && src.err == nil {
			if opt.EmptyOK {
				return nil
			}
			return coffer.Invalid("", "the body is empty; send a JSON object")
		}
		return translate(err, src, opt, v)
	default:
		return coffer.Invalid("", "the body must be a JSON object, not %s", kindName(k))
	}
	if err := scan(dec, opt, v); err != nil {
		return translate(err, src, opt, v)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) || src.err != nil {
		if src.err != nil {
			return translate(err, src, opt, v)
		}
		return coffer.Invalid("", "the body has more after its JSON object; send exactly one object")
	}
	if err := json.Unmarshal(kept.Bytes(), v, unmarshalOptions); err != nil {
		return translate(err, src, opt, v)
	}
	return nil
}

// scan reads the object whose '{' is next, token by token, and refuses null and whatever
// passes a limit before it is read: an array's item past ItemsMax, an object's member past
// MembersMax, an array or object deeper than DepthMax. The token reader itself refuses bad
// syntax, duplicate names and invalid UTF-8.
func scan(dec *jsontext.Decoder, opt Options, v any) error {
	for {
		kind := dec.PeekKind()
		depth := dec.StackDepth()
		parent, n := dec.StackIndex(depth)
		var lim *limitError
		switch {
		case kind == 0: // an error, which the read reports
		case kind == 'n':
			lim = &limitError{kind: limitNull}
		case parent == '[' && kind != ']' && n >= int64(opt.ItemsMax):
			lim = &limitError{kind: limitItems, max: opt.ItemsMax}
		case parent == '{' && kind != '}' && n/2 >= int64(opt.MembersMax):
			lim = &limitError{kind: limitMembers, max: opt.MembersMax}
		case (kind == '{' || kind == '[') && depth+1 > opt.DepthMax:
			lim = &limitError{kind: limitDepth, max: opt.DepthMax}
		}
		if lim != nil {
			lim.container, lim.value = positions(dec, parent, n)
			return lim
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		if dec.StackDepth() == 0 {
			return nil
		}
	}
}

// source reads the body, counting down the bytes it may still read, and keeps the first error
// of the reader, so that a read error is told apart from bad JSON however the token reader
// reports it.
type source struct {
	r        io.Reader
	left     int64
	tooLarge bool
	err      error // the reader's first error other than io.EOF
}

var errTooLarge = errors.New("body too large")

func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.left <= 0 {
		// One byte past the limit tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := s.r.Read(one[:])
		if n > 0 {
			s.tooLarge, s.err = true, errTooLarge
			return 0, s.err
		}
		return 0, s.keep(err)
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	return n, s.keep(err)
}

func (s *source) keep(err error) error {
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
	}
	return err
}

// unmarshalOptions are those of the second pass. Made once, so that the unmarshaler's
// per-type cache lives on.
var unmarshalOptions = json.JoinOptions(
	json.RejectUnknownMembers(true),
	json.WithUnmarshalers(numberFunc),
)

// positions returns the pointers of the array or object the decoder is in and of the value it
// is about to read. The decoder's own pointer is that of the last thing read: the container
// itself before its first member, the previous item in an array, the member's name in an
// object.
func positions(dec *jsontext.Decoder, parent jsontext.Kind, n int64) (container, value jsontext.Pointer) {
	p := dec.StackPointer()
	if n == 0 {
		container = p
	} else {
		container = p.Parent()
	}
	switch {
	case parent == '[':
		return container, container.AppendToken(strconv.FormatInt(n, 10))
	case parent == '{' && n%2 == 1:
		return container, p
	}
	return container, container
}
