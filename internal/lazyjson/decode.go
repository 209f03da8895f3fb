// Package lazyjson decodes JSON into Go values exactly as encoding/json's
// Unmarshal does, for the JSON and the Go types configuration files use,
// and looks at a type only when the document reaches it.
//
// Why: encoding/json's first use of a type builds its field list and an
// encoder for every field of every type the type reaches, eagerly. For
// specs.Spec that is some 60 struct types and 280 fields, 190 KiB of heap
// and ~2 ms of a cold `gorunc create` (docs/performance.md "config.json
// without encoding/json's tables"), whatever the config holds; the bench's
// config reaches a dozen of those types.
//
// The contract is narrow on purpose: Unmarshal either decodes to what
// encoding/json would have produced, or returns ErrUnsupported, and the
// caller decodes again with encoding/json into a fresh value, which then
// also words any error. Everything that would make encoding/json report an
// error, and everything where matching it exactly would take more code
// than it is worth, is ErrUnsupported: invalid JSON, a value of the wrong
// JSON type for its field, a number that does not fit, a key that matches
// a field only case-insensitively or is escaped, a member given twice,
// surrogate escapes, bytes that are not UTF-8, interfaces, arrays, floats,
// []byte from base64, the ",string" option, a type with UnmarshalText (a
// type's own UnmarshalJSON is called as encoding/json calls it; its error
// too is left to encoding/json). FuzzUnmarshal holds it to that.
package lazyjson

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrUnsupported says that Unmarshal left the input to encoding/json: the
// value it was given may be partly written.
var ErrUnsupported = errors.New("lazyjson: left to encoding/json")

// maxDepth bounds nesting (encoding/json's own limit is 10000): a deeper
// document goes to encoding/json rather than deep into this stack.
const maxDepth = 200

// Decode decodes data into a new T: by Unmarshal, or, where Unmarshal
// leaves it, by encoding/json, whose error it returns.
func Decode[T any](data []byte) (*T, error) {
	v := new(T)
	if Unmarshal(data, v) == nil {
		return v, nil
	}
	v = new(T)
	return v, json.Unmarshal(data, v)
}

// Unmarshal decodes data into v, a non-nil pointer to a zero value, or
// returns ErrUnsupported.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || !rv.Elem().IsZero() {
		return ErrUnsupported
	}
	d := newDecoder(data)
	i := d.space(0)
	i, err := d.value(i, rv.Elem(), 0)
	if err != nil {
		return err
	}
	if d.space(i) != len(data) {
		return ErrUnsupported
	}
	return nil
}

// decoder is one Unmarshal: the input and what it learnt of the types it
// met (per call: a process decodes one config).
type decoder struct {
	data  []byte
	types map[reflect.Type]*typeInfo
	// slab is where the struct types' field tables are cut from: one
	// allocation for many tables instead of one per type, whose sizes
	// fall in a dozen size classes, each a fresh span and fresh pages
	// the first time (docs/performance.md, "Green Tea GC off").
	slab []field
}

func newDecoder(data []byte) decoder {
	// Sized once: a map grown type by type takes a fresh span at each
	// doubling (an OCI config meets 26 types).
	return decoder{data: data, types: make(map[reflect.Type]*typeInfo, 64)}
}

// fieldSlab is how many fields a slab holds (48 bytes each: 6 KiB, one
// size class), more than an OCI config's types need in all.
const fieldSlab = 128

// typeInfo is what the decoder needs of a type.
type typeInfo struct {
	// unmarshaler: the type (or its pointer) is a json.Unmarshaler,
	// handed the value's bytes as encoding/json hands them.
	unmarshaler bool
	// text: an encoding.TextUnmarshaler and no json.Unmarshaler, left to
	// encoding/json.
	text bool
	// struct types: the fields by name, as encoding/json names them.
	// bad: the struct has a field this package does not decode as
	// encoding/json would (a ",string" option, an embedded pointer,
	// names that collide); such a struct is left to encoding/json.
	fields []field
	bad    bool
}

// field is a struct field as encoding/json names it; its ordinal in
// typeInfo.fields is its bit in object's duplicate check. A slice, not a
// map: a struct has tens of fields, and a map per type was most of what
// this package allocated.
type field struct {
	name string
	// pos is the field's index in the struct; index, for a field
	// promoted from an embedded struct, its path (nil otherwise).
	pos   int
	index []int
}

// lookup returns the field named key exactly, and whether another matches
// it only ASCII-case-insensitively (encoding/json's fallback match, left
// to it).
func (ti *typeInfo) lookup(key []byte) (ord int, folded bool) {
	for i := range ti.fields {
		if ti.fields[i].name == string(key) {
			return i, false
		}
	}
	for i := range ti.fields {
		if equalFoldASCII(ti.fields[i].name, key) {
			return -1, true
		}
	}
	return -1, false
}

func equalFoldASCII(name string, key []byte) bool {
	if len(name) != len(key) {
		return false
	}
	for i := range len(name) {
		a, b := name[i], key[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (d *decoder) info(t reflect.Type) *typeInfo {
	if ti, ok := d.types[t]; ok {
		return ti
	}
	ti := &typeInfo{}
	if t.Kind() != reflect.Pointer {
		// A pointer's methods are its element's pointer's, looked at
		// when the decoder reaches the element.
		p := reflect.PointerTo(t)
		ti.unmarshaler = p.Implements(unmarshalerType)
		ti.text = !ti.unmarshaler && p.Implements(textUnmarshalerType)
	}
	if t.Kind() == reflect.Struct && !ti.unmarshaler && !ti.text {
		n := t.NumField()
		if cap(d.slab)-len(d.slab) < n {
			d.slab = make([]field, 0, max(fieldSlab, n))
		}
		// Full slice expression: an append past n (fields promoted
		// from an embedded struct) copies instead of writing over the
		// next type's table.
		ti.fields = d.slab[len(d.slab) : len(d.slab) : len(d.slab)+n]
		d.slab = d.slab[:len(d.slab)+n]
		ti.bad = !addFields(ti, t, nil)
	}
	d.types[t] = ti
	return ti
}

// addFields adds t's fields under index prefix to ti as encoding/json's
// typeFields names them, and reports false for what it does not follow:
// a tag option ",string", an embedded pointer, a name that is not plain
// ASCII, or two fields of one name (encoding/json's dominance rules). An
// embedded struct with a tag name of its own is a plain field, as there.
func addFields(ti *typeInfo, t reflect.Type, prefix []int) bool {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.Anonymous && !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if hasOption(opts, "string") {
			return false
		}
		if sf.Anonymous && name == "" {
			switch {
			case sf.Type.Kind() == reflect.Struct:
				if !addFields(ti, sf.Type, append(append([]int(nil), prefix...), i)) {
					return false
				}
				continue
			case sf.Type.Kind() == reflect.Pointer:
				return false
			case !sf.IsExported():
				continue // encoding/json ignores it too
			}
		}
		if name == "" {
			name = sf.Name
		}
		if !plainName(name) {
			return false
		}
		for _, f := range ti.fields {
			if f.name == name {
				return false
			}
		}
		f := field{name: name, pos: i}
		if prefix != nil {
			f.index = append(append([]int(nil), prefix...), i)
		}
		ti.fields = append(ti.fields, f)
	}
	return true
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// plainName: letters, digits and "_-./" only, a subset of what
// encoding/json's isValidTag accepts, so the name is the tag's.
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}

// space skips JSON whitespace from i.
func (d *decoder) space(i int) int {
	for i < len(d.data) {
		switch d.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value decodes the value at data[i] (no space before it) into v, which
// is settable and zero, and returns the index after it.
func (d *decoder) value(i int, v reflect.Value, depth int) (int, error) {
	if i >= len(d.data) || depth > maxDepth {
		return 0, ErrUnsupported
	}
	c := d.data[i]
	ti := d.info(v.Type())
	if ti.unmarshaler {
		// The value's bytes, null too (a pointer to such a type is
		// set to nil by null, below, as encoding/json does).
		end, err := d.skip(i, depth)
		if err != nil {
			return 0, err
		}
		if v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(d.data[i:end]) != nil {
			return 0, ErrUnsupported
		}
		return end, nil
	}
	if c == 'n' {
		// null leaves any zero value as it is: encoding/json sets a
		// pointer, map or slice to nil and leaves other kinds alone.
		return d.literal(i, "null")
	}
	if ti.text {
		return 0, ErrUnsupported
	}
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		v.Set(p)
		return d.value(i, p.Elem(), depth+1)
	}
	switch c {
	case '{':
		switch v.Kind() {
		case reflect.Struct:
			return d.object(i, v, ti, depth)
		case reflect.Map:
			return d.mapObject(i, v, depth)
		}
	case '[':
		if v.Kind() == reflect.Slice {
			return d.array(i, v, depth)
		}
	case '"':
		if v.Kind() == reflect.String {
			s, end, err := d.str(i)
			if err != nil {
				return 0, err
			}
			v.SetString(s)
			return end, nil
		}
	case 't', 'f':
		if v.Kind() == reflect.Bool {
			if c == 't' {
				v.SetBool(true)
				return d.literal(i, "true")
			}
			return d.literal(i, "false")
		}
	default:
		return d.number(i, v)
	}
	return 0, ErrUnsupported
}

// literal checks that data[i:] starts with lit.
func (d *decoder) literal(i int, lit string) (int, error) {
	end := i + len(lit)
	if end > len(d.data) || string(d.data[i:end]) != lit {
		return 0, ErrUnsupported
	}
	return end, nil
}

// number decodes an integer into an integer kind. Fractions and
// exponents (which encoding/json refuses for integers), floats and
// overflows are left to encoding/json.
func (d *decoder) number(i int, v reflect.Value) (int, error) {
	end := d.integer(i)
	if end < 0 || end < len(d.data) && (d.data[end] == '.' || d.data[end] == 'e' || d.data[end] == 'E') {
		return 0, ErrUnsupported
	}
	s := string(d.data[i:end])
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return 0, ErrUnsupported
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v.OverflowUint(n) {
			return 0, ErrUnsupported
		}
		v.SetUint(n)
	default:
		return 0, ErrUnsupported
	}
	return end, nil
}

// integer returns the end of the JSON integer -?(0|[1-9][0-9]*) at i, or
// -1.
func (d *decoder) integer(i int) int {
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	if i >= len(d.data) || d.data[i] < '0' || d.data[i] > '9' {
		return -1
	}
	if d.data[i] == '0' {
		return i + 1
	}
	for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
		i++
	}
	return i
}

// str decodes the string at data[i] ('"'). A surrogate escape or a byte
// that is not UTF-8 (which encoding/json replaces by U+FFFD) is left to
// encoding/json, as is a control character (invalid JSON).
func (d *decoder) str(i int) (string, int, error) {
	i++
	start := i
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			return string(d.data[start:i]), i + 1, nil
		case c == '\\':
			return d.escaped(start, i)
		case c < 0x20:
			return "", 0, ErrUnsupported
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && n == 1 {
				return "", 0, ErrUnsupported
			}
			i += n
		}
	}
	return "", 0, ErrUnsupported
}

// escaped is str from its first backslash at i on; start is where the
// string's contents begin.
func (d *decoder) escaped(start, i int) (string, int, error) {
	b := append(make([]byte, 0, i-start+16), d.data[start:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			return string(b), i + 1, nil
		case c == '\\':
			if i+1 >= len(d.data) {
				return "", 0, ErrUnsupported
			}
			switch e := d.data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := hex4(d.data[i+2:])
				if !ok || 0xd800 <= r && r < 0xe000 {
					return "", 0, ErrUnsupported
				}
				b = utf8.AppendRune(b, r)
				i += 4
			default:
				return "", 0, ErrUnsupported
			}
			i += 2
		case c < 0x20:
			return "", 0, ErrUnsupported
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, n := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && n == 1 {
				return "", 0, ErrUnsupported
			}
			b = append(b, d.data[i:i+n]...)
			i += n
		}
	}
	return "", 0, ErrUnsupported
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// members walks the object at data[i] ('{'), calling f with each key's
// bytes (plain: no escape, ASCII) and the index of its value, which f
// decodes and returns the end of.
func (d *decoder) members(i int, f func(key []byte, at int) (int, error)) (int, error) {
	i = d.space(i + 1)
	if i < len(d.data) && d.data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(d.data) || d.data[i] != '"' {
			return 0, ErrUnsupported
		}
		ks := i + 1
		for i++; i < len(d.data) && d.data[i] != '"'; i++ {
			if c := d.data[i]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				return 0, ErrUnsupported
			}
		}
		if i >= len(d.data) {
			return 0, ErrUnsupported
		}
		key := d.data[ks:i]
		i = d.space(i + 1)
		if i >= len(d.data) || d.data[i] != ':' {
			return 0, ErrUnsupported
		}
		end, err := f(key, d.space(i+1))
		if err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = d.after(end, '}'); err != nil || done {
			return i, err
		}
	}
}

// object decodes an object into a struct: each member into the field of
// its exact name, unknown members skipped (validated), as encoding/json
// does; a key that names a field only in another case, or a field given
// twice (encoding/json decodes into what the first left), is left to it.
func (d *decoder) object(i int, v reflect.Value, ti *typeInfo, depth int) (int, error) {
	if ti.bad || len(ti.fields) > 64 {
		return 0, ErrUnsupported
	}
	var seen uint64
	return d.members(i, func(key []byte, at int) (int, error) {
		ord, folded := ti.lookup(key)
		switch {
		case folded || ord >= 0 && seen&(1<<ord) != 0:
			return 0, ErrUnsupported
		case ord < 0:
			return d.skip(at, depth+1)
		}
		seen |= 1 << ord
		f := &ti.fields[ord]
		if f.index == nil {
			return d.value(at, v.Field(f.pos), depth+1)
		}
		return d.value(at, v.FieldByIndex(f.index), depth+1)
	})
}

// mapObject decodes an object into a map with string keys, each value
// into a fresh element; a later duplicate replaces an earlier one, as in
// encoding/json. An empty object is an empty map, not nil.
func (d *decoder) mapObject(i int, v reflect.Value, depth int) (int, error) {
	t := v.Type()
	kt := t.Key()
	if kt.Kind() != reflect.String || d.info(kt).unmarshaler || d.info(kt).text {
		return 0, ErrUnsupported
	}
	v.Set(reflect.MakeMap(t))
	return d.members(i, func(key []byte, at int) (int, error) {
		e := reflect.New(t.Elem()).Elem()
		end, err := d.value(at, e, depth+1)
		if err != nil {
			return 0, err
		}
		v.SetMapIndex(reflect.ValueOf(string(key)).Convert(kt), e)
		return end, nil
	})
}

// after reads what follows a member or an element that ends at end: a
// comma (then i is where the next one starts) or close (done, i after it).
func (d *decoder) after(end int, close byte) (i int, done bool, err error) {
	i = d.space(end)
	switch {
	case i >= len(d.data):
		return 0, false, ErrUnsupported
	case d.data[i] == ',':
		return d.space(i + 1), false, nil
	case d.data[i] == close:
		return i + 1, true, nil
	}
	return 0, false, ErrUnsupported
}

// elements walks the array at data[i] ('['), calling f with the index of
// each element, which f decodes and returns the end of.
func (d *decoder) elements(i int, f func(at int) (int, error)) (int, error) {
	i = d.space(i + 1)
	if i < len(d.data) && d.data[i] == ']' {
		return i + 1, nil
	}
	for {
		end, err := f(i)
		if err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = d.after(end, ']'); err != nil || done {
			return i, err
		}
	}
}

// array decodes an array into a slice; an empty array is an empty slice,
// not nil, as in encoding/json.
func (d *decoder) array(i int, v reflect.Value, depth int) (int, error) {
	v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	return d.elements(i, func(at int) (int, error) {
		n := v.Len()
		if n >= v.Cap() {
			v.Grow(1)
		}
		v.SetLen(n + 1)
		return d.value(at, v.Index(n), depth+1)
	})
}

// skip validates the value at data[i] and returns the index after it.
func (d *decoder) skip(i int, depth int) (int, error) {
	if i >= len(d.data) || depth > maxDepth {
		return 0, ErrUnsupported
	}
	switch c := d.data[i]; c {
	case '{':
		return d.members(i, func(_ []byte, at int) (int, error) { return d.skip(at, depth+1) })
	case '[':
		return d.elements(i, func(at int) (int, error) { return d.skip(at, depth+1) })
	case '"':
		_, end, err := d.str(i)
		return end, err
	case 't':
		return d.literal(i, "true")
	case 'f':
		return d.literal(i, "false")
	case 'n':
		return d.literal(i, "null")
	default:
		return d.fullNumber(i)
	}
}

// fullNumber returns the end of the JSON number at i: an integer, then
// an optional fraction and exponent.
func (d *decoder) fullNumber(i int) (int, error) {
	i = d.integer(i)
	if i < 0 {
		return 0, ErrUnsupported
	}
	digits := func(i int) int {
		j := i
		for j < len(d.data) && d.data[j] >= '0' && d.data[j] <= '9' {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
	if i < len(d.data) && d.data[i] == '.' {
		if i = digits(i + 1); i < 0 {
			return 0, ErrUnsupported
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if i = digits(i); i < 0 {
			return 0, ErrUnsupported
		}
	}
	return i, nil
}
