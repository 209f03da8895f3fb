package systemd

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
)

// PropertyPrefix marks an annotation that is a unit property for systemd
// (runc's extension): "org.systemd.property.TimeoutStopUSec": "uint64 5000000".
const PropertyPrefix = "org.systemd.property."

// AnnotationProperties turns the org.systemd.property.<Name> annotations
// into unit properties, as runc's initSystemdProps: the name is letters
// only, at least three; the value is in D-Bus's GVariant text form
// ("uint64 5000000", "true", "'a string'", "[1, 2]"); a name ending in a
// lowercase letter and "Sec" (TimeoutStopSec) becomes ...USec with the
// number in microseconds, as systemd's D-Bus API wants. Properties are
// sorted by name so that the unit gets them in a stable order.
func AnnotationProperties(annotations map[string]string) ([]sdbus.Property, error) {
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		if strings.HasPrefix(k, PropertyPrefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var props []sdbus.Property
	for _, k := range keys {
		v := annotations[k]
		name := strings.TrimPrefix(k, PropertyPrefix)
		if err := checkPropertyName(name); err != nil {
			return nil, fmt.Errorf("annotation %s name incorrect: %w", k, err)
		}
		value, err := dbus.ParseVariant(v, dbus.Signature{})
		if err != nil {
			return nil, fmt.Errorf("annotation %s=%s value parse error: %w", k, v, err)
		}
		if base, ok := strings.CutSuffix(name, "Sec"); ok {
			if c := base[len(base)-1]; c >= 'a' && c <= 'z' {
				name = base + "USec"
				if value, err = secToUSec(value); err != nil {
					return nil, fmt.Errorf("annotation %s=%s value parse error: %w", k, v, err)
				}
			}
		}
		props = append(props, sdbus.Property{Name: name, Value: value})
	}
	return props, nil
}

// checkPropertyName: systemd's property names are ASCII letters; runc
// also wants at least three.
func checkPropertyName(s string) error {
	if len(s) < 3 {
		return errors.New("too short")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return errors.New("contains non-alphabetic character")
		}
	}
	return nil
}

// secToUSec converts a number of seconds of any D-Bus numeric type to a
// uint64 of microseconds.
func secToUSec(v dbus.Variant) (dbus.Variant, error) {
	const M = 1000000
	var us uint64
	switch x := v.Value().(type) {
	case byte:
		us = uint64(x) * M
	case int16:
		us = uint64(x) * M
	case uint16:
		us = uint64(x) * M
	case int32:
		us = uint64(x) * M
	case uint32:
		us = uint64(x) * M
	case int64:
		us = uint64(x) * M
	case uint64:
		us = x * M
	case float64:
		us = uint64(x * M)
	default:
		return v, errors.New("not a number")
	}
	return dbus.MakeVariant(us), nil
}
