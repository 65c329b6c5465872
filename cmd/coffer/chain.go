package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/chain/hdkey"
)

// Limits on what chain init reads.
const (
	// seedSecretBytesMax caps the seed secret file: a secret is a line, and the cap keeps a wrong
	// path (a database, say) from being read whole.
	seedSecretBytesMax = 4 << 10
	// mnemonicInputBytesMax caps the mnemonic read from stdin: 24 words are under 300 bytes.
	mnemonicInputBytesMax = 4 << 10
)

// sealSeed seals the seed file; tests lower its scrypt cost.
var sealSeed = hdkey.Seal

const chainInitLong = `Make the seed of the deposit addresses and keys: a new 24-word BIP39 mnemonic, or with --import
one read from stdin, sealed with the seed secret (scrypt, AES-256-GCM) into the seed file,
readable by its owner only.

The secret comes from COFFER_SEED_SECRET, or from the file --seed-secret-file names; never from a
flag, which other users of the machine could read in ps. Without it the seed file cannot be
opened: keep it apart from the seed file and its backups.

A new mnemonic is printed once, here, and never again: write it down and keep it offline. It
alone restores every deposit address and key, the same on every EVM chain, with any BIP39
wallet (path m/44'/60'/0'/0/i, no passphrase). The first deposit address is printed too.

An existing seed file is never overwritten.`

func init() {
	register(func(a *app) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "chain",
			Short: "the keys of on-chain deposits",
			Args:  unknownCommand,
			RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		}
		cmd.AddCommand(chainInit(a))
		return cmd
	})
}

// chainInit is `coffer chain init`.
func chainInit(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "make the seed file: a new mnemonic (or --import one from stdin), sealed with the seed secret",
		Long:  chainInitLong,
		Args:  noArgs,
	}
	cfg := a.settled(cmd, chainSettings...)
	imported := cmd.Flags().Bool("import", false, "read an existing mnemonic from stdin instead of making a new one; it is not printed")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		secret, err := a.seedSecret(cfg)
		if err != nil {
			return err
		}
		defer clear(secret)
		switch _, err := os.Lstat(cfg.SeedFile); {
		case err == nil:
			return fmt.Errorf("seed file %s already exists; chain init never overwrites one, since it may hold the only keys to funds", cfg.SeedFile)
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("seed file: %w", err)
		}
		var mnemonic string
		if *imported {
			if mnemonic, err = a.readMnemonic(); err != nil {
				return err
			}
		} else if mnemonic, err = hdkey.NewMnemonic(); err != nil {
			return err
		}
		seed, err := hdkey.NewSeed(mnemonic, "")
		if err != nil {
			return err
		}
		defer seed.Zero()
		first, err := seed.Address(0)
		if err != nil {
			return err
		}
		sealed, err := sealSeed(mnemonic, secret)
		if err != nil {
			return err
		}
		if dir := filepath.Dir(cfg.SeedFile); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return fmt.Errorf("create the seed file's folder: %w", err)
			}
		}
		if err := hdkey.WriteFile(cfg.SeedFile, sealed); err != nil {
			return err
		}
		var out bytes.Buffer
		defer clear(out.Bytes())
		if *imported {
			fmt.Fprintf(&out, "Seed file %s written from the mnemonic on stdin, sealed with the seed secret.\n\n", cfg.SeedFile)
		} else {
			fmt.Fprintf(&out, "Seed file %s written, sealed with the seed secret.\n\n", cfg.SeedFile)
			printMnemonic(&out, mnemonic)
		}
		fmt.Fprintf(&out, "First deposit address (%s): %s\n", hdkey.DepositPath(0), first.Hex())
		if _, err := a.stdout.Write(out.Bytes()); err != nil && !*imported {
			return fmt.Errorf("seed file %s was written, but its mnemonic could not be printed (%v): remove the seed file and run chain init again, before any deposit reaches it", cfg.SeedFile, err)
		}
		return nil
	}
	return cmd
}

// printMnemonic prints a new mnemonic, numbered, with the warning that goes with it.
func printMnemonic(w io.Writer, mnemonic string) {
	words := strings.Fields(mnemonic)
	fmt.Fprintf(w, `Write these %d words down now, in order, and keep them offline. This is the only time
Coffer shows them. They alone restore every deposit address and key; whoever reads them can
take every deposit.

`, len(words))
	var line strings.Builder
	for i, word := range words {
		fmt.Fprintf(&line, "%4d %-10s", i+1, word)
		if (i+1)%4 == 0 || i == len(words)-1 {
			fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
			line.Reset()
		}
	}
	fmt.Fprintln(w)
}

// seedSecret returns the seed secret from COFFER_SEED_SECRET or the --seed-secret-file, one of
// them and not both, and adds it to the values never printed.
func (a *app) seedSecret(cfg *Config) ([]byte, error) {
	secret, err := readSeedSecret(cfg)
	if err == nil && cfg.SeedSecretFile != "" {
		a.secrets = append(a.secrets, string(secret))
	}
	return secret, err
}

// readSeedSecret returns the seed secret from COFFER_SEED_SECRET or the --seed-secret-file,
// one of them and not both.
func readSeedSecret(cfg *Config) ([]byte, error) {
	const which = "set COFFER_SEED_SECRET, or give --seed-secret-file (COFFER_SEED_SECRET_FILE), a file that holds it"
	var secret []byte
	switch {
	case cfg.SeedSecret != "" && cfg.SeedSecretFile != "":
		return nil, usageErr("the seed secret is given twice, in COFFER_SEED_SECRET and in the file %s; give it once", cfg.SeedSecretFile)
	case cfg.SeedSecret != "":
		secret = []byte(cfg.SeedSecret)
	case cfg.SeedSecretFile != "":
		f, err := os.Open(cfg.SeedSecretFile)
		if err != nil {
			return nil, usageErr("seed secret file: %v", err)
		}
		defer f.Close()
		secret, err = io.ReadAll(io.LimitReader(f, seedSecretBytesMax+1))
		switch {
		case err != nil:
			return nil, usageErr("seed secret file %s: %v", cfg.SeedSecretFile, err)
		case len(secret) > seedSecretBytesMax:
			return nil, usageErr("seed secret file %s is larger than %d bytes; is it the secret?", cfg.SeedSecretFile, seedSecretBytesMax)
		}
		secret = bytes.TrimSuffix(bytes.TrimSuffix(secret, []byte("\n")), []byte("\r"))
		if len(secret) == 0 {
			return nil, usageErr("seed secret file %s is empty; %s", cfg.SeedSecretFile, which)
		}
	default:
		return nil, &usageError{msg: "no seed secret, and the seed file is sealed with it: " + which, hint: true}
	}
	return secret, nil
}

// readMnemonic reads the mnemonic of --import from stdin, until its end.
func (a *app) readMnemonic() (string, error) {
	if f, ok := a.stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintln(a.stderr, "Type or paste the mnemonic, then press Enter and Ctrl-D:")
		}
	}
	b, err := io.ReadAll(io.LimitReader(a.stdin, mnemonicInputBytesMax+1))
	if err != nil {
		return "", fmt.Errorf("read the mnemonic from stdin: %w", err)
	}
	if len(b) > mnemonicInputBytesMax {
		return "", usageErr("stdin has more than %d bytes; --import reads a mnemonic from it", mnemonicInputBytesMax)
	}
	mnemonic := strings.Join(strings.Fields(string(b)), " ")
	clear(b)
	if err := hdkey.CheckMnemonic(mnemonic); err != nil {
		return "", usageErr("the mnemonic on stdin: %v", err)
	}
	return mnemonic, nil
}
