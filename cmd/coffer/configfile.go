package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// configFileBytesMax caps the config file read: a configuration is a few kilobytes, and the cap
// keeps a wrong path (a database, say) from being read whole.
const configFileBytesMax = 1 << 20

// configFile is a parsed config file: the YAML node of each setting it sets, by key.
type configFile struct {
	path   string
	values map[string]*yaml.Node
}

// readConfigFile reads and checks a config file: a YAML mapping of sections (server, database,
// ledger, client) to mappings of keys to values. A key that no setting has is refused with its
// line, so that a misspelt one is not silently left out; checking the values is left to the
// settings that take them.
func readConfigFile(path string) (*configFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr("config file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, configFileBytesMax+1))
	if err != nil {
		return nil, usageErr("config file %s: %v", path, err)
	}
	if len(data) > configFileBytesMax {
		return nil, usageErr("config file %s is larger than %d bytes; is it a config file?", path, configFileBytesMax)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, usageErr("config file %s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	cf := &configFile{path: path, values: map[string]*yaml.Node{}}
	if len(doc.Content) == 0 {
		return cf, nil // empty, or only comments
	}
	if err := cf.walk("", doc.Content[0]); err != nil {
		return nil, err
	}
	return cf, nil
}

// walk records the settings of the mapping n, whose keys are under prefix.
func (cf *configFile) walk(prefix string, n *yaml.Node) error {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		what := "the file"
		if prefix != "" {
			what = prefix
		}
		return cf.errorf(n, "%s must be a mapping of keys to values", what)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if prefix != "" {
			key = prefix + "." + k.Value
		}
		switch {
		case seen[k.Value]:
			return cf.errorf(k, "%s is given twice", key)
		case settingByKey(key) != nil:
			cf.values[key] = deref(v)
		case isSection(key):
			if err := cf.walk(key, v); err != nil {
				return err
			}
		default:
			return cf.errorf(k, "unknown key %s; %s", key, knownKeys(prefix))
		}
		seen[k.Value] = true
	}
	return nil
}

// deref follows a YAML alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isSection reports whether some setting's key is under key.
func isSection(key string) bool {
	return slices.ContainsFunc(settings, func(s setting) bool { return strings.HasPrefix(s.key, key+".") })
}

// knownKeys lists the keys that may stand under prefix, for an error message.
func knownKeys(prefix string) string {
	var names []string
	for _, s := range settings {
		rest, ok := strings.CutPrefix(s.key, prefix)
		if s.key == "" || (prefix != "" && (!ok || !strings.HasPrefix(rest, "."))) {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(rest, "."), ".")
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if prefix == "" {
		return "the sections are " + strings.Join(names, ", ")
	}
	return "the keys of " + prefix + " are " + strings.Join(names, ", ")
}

func (cf *configFile) errorf(n *yaml.Node, format string, args ...any) error {
	return usageErr("%s:%d: %s", cf.path, n.Line, fmt.Sprintf(format, args...))
}

// nodeValue is a value that takes a YAML node as it stands, for settings whose values are
// structured (a list of maps, say); scalars and lists of scalars need no such method.
type nodeValue interface {
	SetYAML(n *yaml.Node) error
}

// set gives the setting's value from the file, if the file sets it. A null (`key:` with nothing
// after it) leaves the setting alone.
func (cf *configFile) set(s *setting, v pflag.Value) (bool, error) {
	if cf == nil {
		return false, nil
	}
	n, ok := cf.values[s.key]
	if !ok || n.Tag == "!!null" {
		return false, nil
	}
	source := fmt.Sprintf("%s:%d: %s", cf.path, n.Line, s.key)
	if nv, ok := v.(nodeValue); ok {
		if err := nv.SetYAML(n); err != nil {
			return false, usageErr("%s: %v", source, err)
		}
		return true, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if err := v.Set(n.Value); err != nil {
			return false, refused(source, shown(v, n.Value), s.secret, err)
		}
	case yaml.SequenceNode:
		sv, ok := v.(pflag.SliceValue)
		if !ok {
			return false, usageErr("%s: takes one value, not a list", source)
		}
		var items []string
		for _, item := range n.Content {
			if item = deref(item); item.Kind != yaml.ScalarNode {
				return false, usageErr("%s:%d: %s: each item must be a single value", cf.path, item.Line, s.key)
			}
			items = append(items, item.Value)
		}
		if err := sv.Replace(items); err != nil {
			return false, usageErr("%s: %v", source, err)
		}
	default:
		return false, usageErr("%s: takes a single value, not a mapping", source)
	}
	return true, nil
}
