#!/usr/bin/env node
// Runs every test/**/*.test.ts file with uvu, each in its own Node process (so one file's leaked
// handle shows up as that file's timeout instead of hanging the suite), then prints the closing
// line CI reads: "N passed, N failed".
//
//   npm test                    all files
//   npm test -- journal fleet   only files whose path contains one of the words
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP_MARKER = 'SKIPPED (needs'; // as test/requirements.ts prints it
const root = fileURLToPath(new URL('..', import.meta.url));
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 10 * 60_000);
const filters = process.argv.slice(2);

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'node_modules/uvu/bin.js'), '.', relative(root, file)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    const timer = setTimeout(() => {
      console.log(`\n!! ${relative(root, file)} did not exit within ${FILE_TIMEOUT_MS} ms (a hung test or a leaked handle); killing it`);
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // uvu colours some counts even with FORCE_COLOR=0 ("Skipped:   \x1b[33m2\x1b[39m").
      const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
      const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
      // uvu's Total counts the tests that ran; skipped ones are not part of it.
      const [total, passed, skipped] = [count('Total'), count('Passed'), count('Skipped')];
      // Lines printed by test/requirements.ts for a test skipped because a program is missing.
      const needs = plain.split('\n').filter((l) => l.startsWith(SKIP_MARKER));
      let failed = total - passed;
      // A file that crashed, timed out or exited non-zero without a failed test still counts once.
      if (code !== 0 && failed === 0) failed = 1;
      resolve({ file, passed, failed, skipped, needs });
    });
  });
}

const files = findTests(join(root, 'test'))
  .filter((f) => filters.length === 0 || filters.some((w) => relative(root, f).includes(w)))
  .sort();
const started = Date.now();
const results = [];
for (const file of files) {
  console.log(`\n# ${relative(root, file)}`);
  results.push(await runFile(file));
}
const sum = (k) => results.reduce((n, r) => n + r[k], 0);
const failedFiles = results.filter((r) => r.failed > 0).map((r) => relative(root, r.file));
console.log(`\nfiles: ${files.length}, duration: ${((Date.now() - started) / 1000).toFixed(1)}s`);
if (failedFiles.length) console.log(`failing files: ${failedFiles.join(', ')}`);
const needs = results.flatMap((r) => r.needs);
if (needs.length) console.log(`\n${needs.length} test(s) skipped because a program is missing (OLLAMA_SIM_REQUIRE=all makes this a failure):\n  ${needs.join('\n  ')}`);
console.log(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
process.exit(sum('failed') > 0 || files.length === 0 ? 1 : 0);
