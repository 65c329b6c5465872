package main

import (
	"testing"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// structuredValue stands for a structured setting: it takes its YAML node as it is.
type structuredValue struct {
	textValue
	chains []map[string]int
}

func (v *structuredValue) SetYAML(n *yaml.Node) error { return n.Decode(&v.chains) }

// TestConfigFileShapes: a list setting takes a YAML sequence, and a structured one its node, so
// that later sections (sinks, chains) fit the table.
func TestConfigFileShapes(t *testing.T) {
	t.Parallel()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("x:\n  sinks: [amqp://a, nats://b]\n  chains:\n    - {id: 1}\n    - {id: 5}\n"), &doc); err != nil {
		t.Fatal(err)
	}
	x := doc.Content[0].Content[1]
	cf := &configFile{path: "x.yaml", values: map[string]*yaml.Node{"x.sinks": x.Content[1], "x.chains": x.Content[3]}}

	var sinks []string
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.StringSliceVar(&sinks, "sink", nil, "")
	if ok, err := cf.set(&setting{key: "x.sinks"}, fs.Lookup("sink").Value); !ok || err != nil || len(sinks) != 2 || sinks[1] != "nats://b" {
		t.Errorf("a list: %v, %v, %q", ok, err, sinks)
	}
	var s string
	chains := &structuredValue{textValue: textValue{&s}}
	if ok, err := cf.set(&setting{key: "x.chains"}, chains); !ok || err != nil || len(chains.chains) != 2 || chains.chains[1]["id"] != 5 {
		t.Errorf("a list of maps: %v, %v, %v", ok, err, chains.chains)
	}
	// From the environment a list is comma-separated.
	b := &binding{flags: fs, bound: []boundSetting{{&setting{env: "COFFER_SINKS"}, fs.Lookup("sink").Value}}}
	if err := b.resolve(mapEnv(map[string]string{"COFFER_SINKS": "kafka://c,amqp://d"}), nil); err != nil || len(sinks) != 2 || sinks[0] != "kafka://c" {
		t.Errorf("a list from the environment: %v, %q", err, sinks)
	}
}
