package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
)

// recordView is record with only the spec's annotations decoded: what the
// read-only commands (state, list, ps, events) need.
type recordView struct {
	recordHead
	Spec *specView `json:"spec"`
}

// specView is the part of the spec a view keeps.
type specView struct {
	Annotations map[string]string `json:"annotations"`
}

// readView reads id's state for a read-only view: the record without its
// spec, and the spec's annotations. Decoding the whole specs.Spec by
// reflection was most of `list`'s time with many containers, and even
// skipped, encoding/json scans the spec twice (validation, then skip) at
// some 80 instructions a byte: the spec is cut out lexically instead
// (cutMember) and only the rest and the annotations go to encoding/json
// (docs/performance.md "list and state, session 5"). The record returned
// has no spec.
func (s Store) readView(id string) (*record, map[string]string, error) {
	data, found, err := s.readState(id)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return &record{recordHead: recordHead{ID: id}}, nil, nil
	}
	v, err := decodeView(data)
	if err != nil {
		// Whatever the lexical cut does not understand, encoding/json
		// decides, with its own error.
		v = &recordView{}
		if err := json.Unmarshal(data, v); err != nil {
			return nil, nil, corrupt(id, err)
		}
	}
	var annotations map[string]string
	if v.Spec != nil {
		annotations = v.Spec.Annotations
	}
	return &record{recordHead: v.recordHead}, annotations, nil
}

var errCut = errors.New("not cut lexically")

// decodeHead decodes state.json but for its spec, cut out lexically
// (cutMember), whose bytes it returns, nil for none or null.
func decodeHead(data []byte) (recordHead, []byte, error) {
	rest, spec, err := cutMember(data, "spec")
	if err != nil {
		return recordHead{}, nil, err
	}
	var h recordHead
	if err := json.Unmarshal(rest, &h); err != nil {
		return recordHead{}, nil, err
	}
	if string(spec) == "null" {
		spec = nil
	}
	return h, spec, nil
}

// decodeView is json.Unmarshal into a recordView, for the objects
// encoding/json accepts, without scanning the spec but for its
// annotations. Unlike encoding/json it does not validate the rest of the
// spec: state.json is written whole by gorunc (writeFileAtomic).
func decodeView(data []byte) (*recordView, error) {
	var v recordView
	var spec []byte
	var err error
	if v.recordHead, spec, err = decodeHead(data); err != nil || spec == nil {
		return &v, err
	}
	_, annotations, err := cutMember(spec, "annotations")
	if err != nil {
		return nil, err
	}
	v.Spec = &specView{}
	if annotations != nil {
		if err := json.Unmarshal(annotations, &v.Spec.Annotations); err != nil {
			return nil, err
		}
	}
	return &v, nil
}

// cutMember finds the member key of the JSON object obj and returns obj
// without it (a copy when the member was found) and the member's value,
// nil when there is none. Keys match as encoding/json matches them to a
// field: folded as bytes.EqualFold folds them. A key with an escape, a second match or
// anything but an object is errCut, for encoding/json to judge.
func cutMember(obj []byte, key string) (rest, val []byte, err error) {
	i := skipSpace(obj, 0)
	if i == len(obj) || obj[i] != '{' {
		return nil, nil, errCut
	}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return obj, nil, nil
	}
	// prevEnd is where the previous member's value ends (before its
	// comma); cut is the byte range to remove.
	prevEnd, cutFrom, cutTo := -1, -1, -1
	for {
		if i == len(obj) || obj[i] != '"' {
			return nil, nil, errCut
		}
		kStart := i
		kEnd, ok := skipString(obj, i)
		if !ok || bytes.IndexByte(obj[kStart:kEnd], '\\') >= 0 {
			return nil, nil, errCut
		}
		i = skipSpace(obj, kEnd)
		if i == len(obj) || obj[i] != ':' {
			return nil, nil, errCut
		}
		vStart := skipSpace(obj, i+1)
		vEnd, ok := skipValue(obj, vStart)
		if !ok {
			return nil, nil, errCut
		}
		i = skipSpace(obj, vEnd)
		if i == len(obj) {
			return nil, nil, errCut
		}
		if bytes.EqualFold(obj[kStart+1:kEnd-1], []byte(key)) {
			if val != nil {
				return nil, nil, errCut
			}
			val = obj[vStart:vEnd]
			switch {
			case obj[i] == ',':
				cutFrom, cutTo = kStart, i+1 // the member and its comma
			case prevEnd >= 0:
				cutFrom, cutTo = prevEnd, vEnd // the comma before it and the member
			default:
				cutFrom, cutTo = kStart, vEnd // the only member
			}
		}
		switch obj[i] {
		case ',':
			prevEnd = vEnd
			i = skipSpace(obj, i+1)
		case '}':
			if skipSpace(obj, i+1) != len(obj) {
				return nil, nil, errCut
			}
			if val == nil {
				return obj, nil, nil
			}
			rest = append(append(make([]byte, 0, len(obj)-(cutTo-cutFrom)), obj[:cutFrom]...), obj[cutTo:]...)
			return rest, val, nil
		default:
			return nil, nil, errCut
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string that starts at b[i] ('"').
func skipString(b []byte, i int) (int, bool) {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return 0, false
		}
		i += j
		// The quote ends the string unless an odd number of
		// backslashes escapes it.
		n := 0
		for k := i - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		i++
		if n%2 == 0 {
			return i, true
		}
	}
}

// skipValue returns the index after the value that starts at b[i]: a
// string, an object or array (brackets counted, strings skipped), or a
// literal or number (up to the next delimiter). Nothing is validated.
func skipValue(b []byte, i int) (int, bool) {
	if i == len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, ok := skipString(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	case '}', ']', ',', ':':
		return 0, false
	}
	for i < len(b) && !bytes.ContainsRune([]byte(" \t\n\r,}]"), rune(b[i])) {
		i++
	}
	return i, true
}
