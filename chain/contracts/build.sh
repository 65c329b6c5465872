#!/usr/bin/env bash
# Compiles Coffer's test tokens and regenerates their Go bindings:
#   chain/contracts/*.sol -> chain/contracts/build/<Name>.{abi,bin} -> chain/testtoken/<name>.go
# The outputs are committed, so that building and testing Coffer needs neither npm nor solc;
# run this (make contracts) only after changing a contract, and commit what it writes.
#
# The compiler is pinned: solc 0.8.37 (the npm package "solc", which bundles the compiler as
# JavaScript, so node is all it needs), optimizer on with 200 runs, EVM version cancun (every
# chain Coffer targets has it, and go-ethereum's dev and simulated chains enable every fork).
# The same sources, version and settings give the same bytes, metadata hash included.
set -euo pipefail

SOLC_VERSION=0.8.37
ABIGEN="go run github.com/ethereum/go-ethereum/cmd/abigen@v1.16.7"
CONTRACTS="CofferTestToken NoReturnToken"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# npm installs the compiler here; the folder name holds the version, so that a new pin
# installs afresh. .tools is gitignored.
solc_dir="$root/.tools/solc-$SOLC_VERSION"
if [ ! -f "$solc_dir/node_modules/solc/package.json" ]; then
	npm install --prefix "$solc_dir" --no-save --no-audit --no-fund "solc@$SOLC_VERSION"
fi

mkdir -p "$here/build"
cd "$here"
# Standard JSON input rather than solcjs's command line, which cannot set the EVM version.
NODE_PATH="$solc_dir/node_modules" node - "$SOLC_VERSION" $CONTRACTS <<'EOF'
const fs = require('fs');
const solc = require('solc');
const [want, ...names] = process.argv.slice(2);
if (!solc.version().startsWith(want + '+')) {
	throw new Error(`solc is ${solc.version()}, want ${want}`);
}
const sources = {};
for (const n of names) sources[`${n}.sol`] = { content: fs.readFileSync(`${n}.sol`, 'utf8') };
const input = {
	language: 'Solidity',
	sources,
	settings: {
		optimizer: { enabled: true, runs: 200 },
		evmVersion: 'cancun',
		outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
	},
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of out.errors || []) {
	console.error(e.formattedMessage);
	if (e.severity === 'error') failed = true;
}
if (failed) process.exit(1);
for (const n of names) {
	const c = out.contracts[`${n}.sol`][n];
	fs.writeFileSync(`build/${n}.abi`, JSON.stringify(c.abi) + '\n');
	fs.writeFileSync(`build/${n}.bin`, c.evm.bytecode.object + '\n');
}
EOF

for name in $CONTRACTS; do
	lower=$(echo "$name" | tr '[:upper:]' '[:lower:]')
	$ABIGEN --v2 --abi "build/$name.abi" --bin "build/$name.bin" \
		--pkg testtoken --type "$name" --out "$root/chain/testtoken/$lower.go"
done
