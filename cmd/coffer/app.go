package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// app is one run of the command line: where it reads and prints, the environment it reads, and
// the config file, read once by the first command that needs it.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
	root           Config // the root's own settings: --config
	rootFlags      *pflag.FlagSet
	file           *configFile
	fileRead       bool
	secrets        []string // values never to print
}

// commandMakers build the subcommands. The tree is built anew for every run, since cobra keeps
// the flags' values in the commands.
var commandMakers []func(a *app) *cobra.Command

// register adds a subcommand.
func register(make func(a *app) *cobra.Command) { commandMakers = append(commandMakers, make) }

const rootLong = `Coffer is a wallet ledger and payment service. "coffer serve" runs the server; the
other commands run the server's tools (migrate, verify) or call its API.

Every write that moves money or changes an account takes --id, the operation id, and requires
it: send the same command again with the same id (after a timeout, say) and you get the first
answer back, never a second transfer; the same id with other parameters is refused. Creations
are keyed by what they create: an asset by its code, an account by KIND:OWNER:ASSET.

Settings come from flags, then the environment, then the config file (--config), then the
defaults; "coffer COMMAND --help" names each flag's variable and key.

Exit codes: 0 done; 1 refused by the server, not reachable, or failed; 2 bad usage (a flag, an
argument or a setting), in which case nothing was sent.`

// rootCommand returns the coffer command with every subcommand.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "coffer",
		Short:         "a wallet ledger and payment service",
		Long:          rootLong,
		Version:       versionLine(),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          unknownCommand,
		RunE:          func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		// Suggest a command a letter or two away from a misspelt one.
		SuggestionsMinimumDistance: 2,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
	a.rootFlags = root.PersistentFlags()
	bind(a.rootFlags, &a.root, "config")
	for _, make := range commandMakers {
		root.AddCommand(make(a))
	}
	return root
}

// unknownCommand refuses arguments the root does not know as a command, suggesting the nearest.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
	}
	return &usageError{msg: msg, hint: true}
}

// settled binds the named settings to cmd's flags and resolves them before cmd runs; the Config
// returned is filled by then.
func (a *app) settled(cmd *cobra.Command, names ...string) *Config {
	cfg := &Config{}
	b := bind(cmd.Flags(), cfg, names...)
	cmd.PreRunE = func(*cobra.Command, []string) error { return a.resolve(b) }
	return cfg
}

// resolve fills the binding's settings that no flag gave from the environment, then from the
// config file.
func (a *app) resolve(b *binding) error {
	file, err := a.configFile()
	if err != nil {
		return err
	}
	if err := b.resolve(a.getenv, file); err != nil {
		return err
	}
	a.secrets = append(a.secrets, b.secrets()...)
	return nil
}

// configFile reads the file that --config or COFFER_CONFIG names, once; nil if neither does.
func (a *app) configFile() (*configFile, error) {
	if a.fileRead {
		return a.file, nil
	}
	b := &binding{flags: a.rootFlags, bound: []boundSetting{{lookupSetting("config"), textValue{&a.root.ConfigFile}}}}
	if err := b.resolve(a.getenv, nil); err != nil {
		return nil, err
	}
	a.fileRead = true
	if a.root.ConfigFile == "" {
		return nil, nil
	}
	file, err := readConfigFile(a.root.ConfigFile)
	if err != nil {
		return nil, err
	}
	a.file = file
	return file, nil
}

// binding is the settings one command takes, bound to its Config and its flags.
type binding struct {
	flags *pflag.FlagSet
	bound []boundSetting
}

type boundSetting struct {
	s *setting
	v pflag.Value
}

// bind defines on fs the flags of the named settings, each holding its default.
func bind(fs *pflag.FlagSet, cfg *Config, names ...string) *binding {
	b := &binding{flags: fs}
	aliases := map[string]string{}
	for _, name := range names {
		s := lookupSetting(name)
		v := s.value(cfg)
		if err := v.Set(s.def); s.def != "" && err != nil {
			panic(fmt.Sprintf("coffer: the default of %s does not parse: %v", s.env, err))
		}
		if s.flag != "" {
			f := fs.VarPF(v, s.flag, "", s.help())
			if _, ok := v.(interface{ IsBoolFlag() bool }); ok {
				f.NoOptDefVal = "true"
			}
			for _, alias := range s.aliases {
				aliases[alias] = s.flag
			}
		}
		b.bound = append(b.bound, boundSetting{s, v})
	}
	if len(aliases) > 0 {
		fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
			if to, ok := aliases[name]; ok {
				return pflag.NormalizedName(to)
			}
			return pflag.NormalizedName(name)
		})
	}
	return b
}

// envSplitter is a list setting whose environment variable is not split on commas.
type envSplitter interface{ SplitEnv(string) []string }

// resolve sets what no flag set: from the environment (an empty variable counts as unset), else
// from the config file, else the default stays.
func (b *binding) resolve(getenv func(string) (string, bool), file *configFile) error {
	for _, x := range b.bound {
		if x.s.flag != "" && b.flags.Changed(x.s.flag) {
			continue
		}
		if val, ok := getenv(x.s.env); ok && val != "" {
			var err error
			if sv, ok := x.v.(pflag.SliceValue); ok {
				items := strings.Split(val, ",")
				if es, ok := x.v.(envSplitter); ok {
					items = es.SplitEnv(val)
				}
				err = sv.Replace(items)
			} else {
				err = x.v.Set(val)
			}
			if err != nil {
				return refused(x.s.env, shown(x.v, val), x.s.secret, err)
			}
			continue
		}
		if _, err := file.set(x.s, x.v); err != nil {
			return err
		}
	}
	return nil
}

// secrets returns the values of the binding that must never be printed: secret settings and
// the password of a database URL.
func (b *binding) secrets() []string {
	var out []string
	for _, x := range b.bound {
		switch {
		case x.s.secret:
			out = append(out, x.v.String())
		case x.s.flag == "database":
			out = append(out, urlPasswords(x.v.String())...)
		case x.s.flag == "sink":
			for _, s := range x.v.(pflag.SliceValue).GetSlice() {
				out = append(out, urlPasswords(s)...)
			}
		}
	}
	return out
}

// flagError rewrites pflag's errors in Coffer's words: the flag, the value and what was
// expected, and a pointer to --help.
func flagError(err error) error {
	var iv *pflag.InvalidValueError
	if errors.As(err, &iv) {
		cause := iv.Unwrap()
		var ne *strconv.NumError
		switch {
		case errors.As(cause, &ne) && ne.Err == strconv.ErrRange:
			cause = errors.New("is out of range")
		case errors.As(cause, &ne):
			cause = errors.New("is not a number")
		case strings.HasPrefix(cause.Error(), "time: "):
			cause = errors.New("is not a duration such as 30s")
		}
		return &usageError{msg: fmt.Sprintf("--%s: %q %v", iv.GetFlag().Name, shown(iv.GetFlag().Value, iv.GetValue()), cause), hint: true}
	}
	return &usageError{msg: err.Error(), hint: true}
}

// exactArgs checks the positional arguments against their names, all required.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		var want string
		switch len(names) {
		case 0:
			want = "takes no arguments"
		case 1:
			want = "takes 1 argument, " + names[0]
		default:
			want = fmt.Sprintf("takes %d arguments, %s", len(names), strings.Join(names, " "))
		}
		got := "none was given"
		if len(args) > 0 {
			quoted := make([]string, len(args))
			for i, s := range args {
				quoted[i] = strconv.Quote(s)
			}
			got = "got " + strings.Join(quoted, " ")
		}
		return &usageError{msg: want + "; " + got, hint: true}
	}
}

// noArgs refuses positional arguments.
var noArgs = exactArgs()
