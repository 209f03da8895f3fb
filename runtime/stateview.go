package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/internal/lazyjson"
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
	data, found, err := s.readState(id, nil)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return &record{recordHead: recordHead{ID: id}}, nil, nil
	}
	head, annotations, err := viewOf(data)
	if err != nil {
		return nil, nil, corrupt(id, err)
	}
	return &record{recordHead: head}, annotations, nil
}

// viewOf decodes state.json's bytes for a view: lexically (decodeView),
// or, whatever the lexical cut does not understand, by encoding/json,
// which decides with its own error.
func viewOf(data []byte) (recordHead, map[string]string, error) {
	v, err := decodeView(data)
	if err != nil {
		v = &recordView{}
		if err := json.Unmarshal(data, v); err != nil {
			return recordHead{}, nil, err
		}
	}
	var annotations map[string]string
	if v.Spec != nil {
		annotations = v.Spec.Annotations
	}
	return v.recordHead, annotations, nil
}

var errCut = errors.New("not cut lexically")

// decodeHead decodes state.json but for its spec, cut out lexically
// (cutMember), whose bytes it returns, nil for none or null.
func decodeHead(data []byte) (recordHead, []byte, error) {
	rest, spec, err := cutMember(data, "spec")
	if err != nil {
		return recordHead{}, nil, err
	}
	h, err := lazyjson.Decode[recordHead](rest)
	if err != nil {
		return recordHead{}, nil, err
	}
	if string(spec) == "null" {
		spec = nil
	}
	return *h, spec, nil
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
		a, err := lazyjson.Decode[map[string]string](annotations)
		if err != nil {
			return nil, err
		}
		v.Spec.Annotations = *a
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

// decodeListView is viewOf for `list`, in one lexical pass without
// encoding/json: state.json's head, the spec's annotations, and of the
// cgroup state only what Status reads (statusPaths). `list` decodes
// every container's state, and encoding/json's reflection, scanning and
// maps were most of what remained per container (docs/performance.md
// "list, session 6"). Whatever it would have to guess at (an escape, a
// byte beyond ASCII in a key, a member gorunc does not write or one in
// another case, a duplicate, a null where a value is read, a number that
// is not a plain integer) is errCut, for viewOf. Like decodeView it does
// not validate what it skips: the spec but for its annotations, the
// cgroup state's other members.
//
// id is the container's directory name, which the state's id usually
// is (and then is not copied). paths, cleared first, takes the cgroup
// paths decoded, and the head's cgroup state holds it when there are any:
// the caller reuses one map for all containers (a map each was a tenth of
// `list`'s page faults), so the head is good until the next call with the
// same map.
func decodeListView(data []byte, id string, paths map[string]string) (recordHead, map[string]string, error) {
	clear(paths)
	var h recordHead
	var annotations map[string]string
	var seen uint
	err := eachMember(data, func(key, val []byte) error {
		var err error
		k := string(key)
		switch k {
		case "id":
			h.ID, err = jsonString(val, id)
		case "bundle":
			h.Bundle, err = jsonString(val, "")
		case "rootfs":
			h.Rootfs, err = jsonString(val, "")
		case "owner":
			h.Owner, err = jsonString(val, "root")
		case "created":
			if h.Created.UnmarshalJSON(val) != nil {
				err = errCut
			}
		case "init_pid":
			var n uint64
			n, err = jsonUint(val)
			h.InitPid = int(n)
		case "init_start":
			h.InitStart, err = jsonUint(val)
		case "cgroup":
			err = decodeStatusCgroup(val, &h.Cgroup, paths)
		case "spec":
			annotations, err = decodeAnnotations(val)
		default:
			// gorunc writes no other member: encoding/json decides
			// (and validates it, which skipValue does not).
			return errCut
		}
		return once(&seen, k, headKeys, err)
	})
	return h, annotations, err
}

// headKeys are the members of state.json decodeListView reads.
var headKeys = []string{"id", "bundle", "rootfs", "owner", "created", "init_pid", "init_start", "cgroup", "spec"}

// Of a cgroup state, Status reads (through cgroup.IsFrozen) the version,
// the directory that holds the freezer state (statusPaths: v1 "freezer",
// v2 ""), the v2 root and the systemd unit; decodeListView decodes these
// only.
var (
	statusPaths = []string{"freezer", ""}
	cgroupKeys  = []string{"version", "paths", "created", "planned", "root", "systemd", "systemd_user"}
)

// decodeStatusCgroup decodes into st the statusCgroup part of a cgroup
// state's JSON, its paths into paths.
func decodeStatusCgroup(obj []byte, st *cgroup.State, paths map[string]string) error {
	var seen uint
	return eachMember(obj, func(key, val []byte) error {
		var err error
		k := string(key)
		switch k {
		case "version":
			var n uint64
			n, err = jsonUint(val)
			st.Version = int(n)
		case "root":
			st.Root, err = jsonString(val, "")
		case "systemd":
			st.Systemd, err = jsonString(val, "")
		case "systemd_user":
			if string(val) != "null" {
				var n uint64
				n, err = jsonUint(val)
				uid := int(n)
				st.SystemdUser = &uid
			}
		case "paths":
			err = decodeStatusPaths(val, st, paths)
		case "created", "planned":
		default:
			return errCut
		}
		return once(&seen, k, cgroupKeys, err)
	})
}

// decodeStatusPaths keeps of the paths map the statusPaths, in paths.
// Map keys are matched exactly, as encoding/json matches them.
func decodeStatusPaths(obj []byte, st *cgroup.State, paths map[string]string) error {
	if string(obj) == "null" {
		return nil
	}
	var seen uint
	return eachMember(obj, func(key, val []byte) error {
		// The constant, not a copy of key: it goes into the map.
		var k string
		switch string(key) {
		case "freezer":
			k = "freezer"
		case "":
		default:
			return nil
		}
		p, err := jsonString(val, "")
		if err != nil {
			return err
		}
		st.Paths = paths
		st.Paths[k] = p
		return once(&seen, k, statusPaths, nil)
	})
}

// decodeAnnotations returns the annotations of the spec's JSON, as
// encoding/json decodes them into a specView.
func decodeAnnotations(spec []byte) (map[string]string, error) {
	if string(spec) == "null" {
		return nil, nil
	}
	var val []byte
	err := eachMember(spec, func(key, v []byte) error {
		if !bytes.EqualFold(key, []byte("annotations")) {
			return nil
		}
		if val != nil {
			return errCut
		}
		val = v
		return nil
	})
	if err != nil || val == nil || string(val) == "null" {
		return nil, err
	}
	var annotations map[string]string
	if json.Unmarshal(val, &annotations) != nil {
		return nil, errCut
	}
	return annotations, nil
}

// once returns err, or errCut when keys' key k was seen before (bits
// in seen): encoding/json would keep the last, decodeListView leaves
// that to it.
func once(seen *uint, k string, keys []string, err error) error {
	if err != nil {
		return err
	}
	for i, key := range keys {
		if key == k {
			if *seen&(1<<i) != 0 {
				return errCut
			}
			*seen |= 1 << i
		}
	}
	return nil
}

// eachMember calls f with the key (without its quotes) and the value of
// each member of the JSON object obj, in order, and stops at f's error.
// A key with an escape or a byte beyond ASCII, or anything but an
// object, is errCut. Values are delimited (skipValue), not validated.
func eachMember(obj []byte, f func(key, val []byte) error) error {
	i := skipSpace(obj, 0)
	if i == len(obj) || obj[i] != '{' {
		return errCut
	}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		if skipSpace(obj, i+1) != len(obj) {
			return errCut
		}
		return nil
	}
	for {
		if i == len(obj) || obj[i] != '"' {
			return errCut
		}
		kEnd, ok := skipString(obj, i)
		if !ok || !plainString(obj[i+1:kEnd-1]) {
			return errCut
		}
		key := obj[i+1 : kEnd-1]
		i = skipSpace(obj, kEnd)
		if i == len(obj) || obj[i] != ':' {
			return errCut
		}
		vStart := skipSpace(obj, i+1)
		vEnd, ok := skipValue(obj, vStart)
		if !ok {
			return errCut
		}
		if err := f(key, obj[vStart:vEnd]); err != nil {
			return err
		}
		i = skipSpace(obj, vEnd)
		if i == len(obj) {
			return errCut
		}
		switch obj[i] {
		case ',':
			i = skipSpace(obj, i+1)
		case '}':
			if skipSpace(obj, i+1) != len(obj) {
				return errCut
			}
			return nil
		default:
			return errCut
		}
	}
}

// plainString: a string's bytes that decode to themselves: printable
// ASCII, no escape.
func plainString(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			return false
		}
	}
	return true
}

// jsonString decodes a JSON string value that holds no escape; UTF-8
// beyond ASCII is taken when valid (encoding/json would replace what is
// not). A value equal to likely is likely itself, not a copy.
func jsonString(val []byte, likely string) (string, error) {
	if len(val) < 2 || val[0] != '"' {
		return "", errCut
	}
	s := val[1 : len(val)-1]
	if !plainString(s) {
		for _, c := range s {
			if c < 0x20 || c == '\\' {
				return "", errCut
			}
		}
		if !utf8.Valid(s) {
			return "", errCut
		}
	}
	if string(s) == likely {
		return likely, nil
	}
	return string(s), nil
}

// jsonUint decodes a JSON number that is a plain non-negative integer
// of at most 18 digits (it fits an int64).
func jsonUint(val []byte) (uint64, error) {
	if len(val) == 0 || len(val) > 18 || (val[0] == '0' && len(val) > 1) {
		return 0, errCut
	}
	var n uint64
	for _, c := range val {
		if c < '0' || c > '9' {
			return 0, errCut
		}
		n = n*10 + uint64(c-'0')
	}
	return n, nil
}
