package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// same reports an error unless got equals want, naming what differs.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := diff(got, want); d != "" {
		t.Errorf("%s differs:\n%s", what, d)
	}
}

// diff describes how got differs from want, one line per field, or returns "" if they are equal.
// Times are equal when they are the same instant and got is in UTC, as the Store contract
// promises. Everything else compares exactly: a nil map, slice or pointer differs from an empty
// or set one, except that a nil list equals an empty one.
func diff(got, want any) string {
	var b strings.Builder
	walk(&b, "", reflect.ValueOf(got), reflect.ValueOf(want))
	return b.String()
}

var timeType = reflect.TypeFor[time.Time]()

func walk(b *strings.Builder, path string, got, want reflect.Value) {
	mismatch := func() {
		name := path
		if name == "" {
			name = "value"
		}
		fmt.Fprintf(b, "  %s: got %s, want %s\n", name, show(got), show(want))
	}
	switch {
	case !got.IsValid() || !want.IsValid():
		if got.IsValid() != want.IsValid() {
			mismatch()
		}
	case got.Type() != want.Type():
		fmt.Fprintf(b, "  %s: got a %s, want a %s\n", path, got.Type(), want.Type())
	case got.Type() == timeType:
		g, w := got.Interface().(time.Time), want.Interface().(time.Time)
		if !g.Equal(w) || g.Location().String() != "UTC" {
			mismatch()
		}
	case got.Kind() == reflect.Pointer:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				mismatch()
			}
			return
		}
		walk(b, path, got.Elem(), want.Elem())
	case got.Kind() == reflect.Struct && allExported(got.Type()):
		for i := range got.NumField() {
			walk(b, join(path, got.Type().Field(i).Name), got.Field(i), want.Field(i))
		}
	case got.Kind() == reflect.Map:
		if got.IsNil() != want.IsNil() || got.Len() != want.Len() {
			mismatch()
			return
		}
		keys := want.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			g := got.MapIndex(k)
			if !g.IsValid() {
				fmt.Fprintf(b, "  %s[%v]: missing\n", path, k)
				continue
			}
			walk(b, fmt.Sprintf("%s[%v]", path, k), g, want.MapIndex(k))
		}
	case got.Kind() == reflect.Slice && got.Type().Elem().Kind() != reflect.Uint8:
		if got.Len() != want.Len() {
			fmt.Fprintf(b, "  %s: got %d elements, want %d\n", path, got.Len(), want.Len())
			return
		}
		for i := range got.Len() {
			walk(b, path+"["+strconv.Itoa(i)+"]", got.Index(i), want.Index(i))
		}
	case !reflect.DeepEqual(got.Interface(), want.Interface()):
		mismatch()
	}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func allExported(t reflect.Type) bool {
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return false
		}
	}
	return true
}

// show prints a value of a diff, telling nil from empty and showing times to the nanosecond.
func show(v reflect.Value) string {
	if !v.IsValid() {
		return "nothing"
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if v.IsNil() {
			return "nil"
		}
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x.Format(time.RFC3339Nano) + " (" + x.Location().String() + ")"
	case *time.Time:
		return x.Format(time.RFC3339Nano) + " (" + x.Location().String() + ")"
	case []byte:
		return strconv.Quote(string(x))
	case coffer.Amount:
		return x.String()
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
		return strconv.Quote(string(v.Bytes()))
	}
	if v.Kind() == reflect.Map && v.Len() == 0 {
		return "empty map"
	}
	return fmt.Sprintf("%+v", v.Interface())
}
