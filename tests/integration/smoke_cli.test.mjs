// SPDX-License-Identifier: MIT
// test-labels: integration supervisor
// The binary answers --version and --help through the same path users run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('shoal --version prints the version', () => {
    const out = execFileSync(process.env.SHOAL_BIN, ['--version']).toString();
    assert.match(out, /^shoal \d+\.\d+\.\d+/);
});

test('shoal serve --help lists the defaults users rely on', () => {
    const out = execFileSync(process.env.SHOAL_BIN, ['serve', '--help']).toString();
    for (const flag of ['--workers', '--port', '--app-key', '--log-format']) assert.ok(out.includes(flag), flag);
    assert.ok(out.includes('6001'));
    assert.ok(out.includes('app-key'));
});
