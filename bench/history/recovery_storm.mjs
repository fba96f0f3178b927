// SPDX-License-Identifier: MIT
// The recovery storm (docs/history.md): after a worker's death its clients come back at once,
// each with a gap. One run on one server: C raw Pusher clients connect, G events are published
// on a history channel, then every client subscribes at once (1) with "recover" from offset 0,
// so each is served the G-event gap from the host's store before live delivery, and (2) for the
// baseline of the same run, plainly (no recovery). Reports the time until the last client has
// everything (each checked: offsets 1..G once, in order), and the ratio to the baseline.
// Bounded: a deadline per phase; the server started here is stopped by its PID.
//
// Usage: node bench/history/recovery_storm.mjs SHOAL_BIN [clients=1000] [gap=300] [workers=2]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

const require = createRequire(new URL('../../tests/package.json', import.meta.url));
const WebSocket = require('ws');
const PusherServer = require('pusher');

const [bin, clientsArg = '1000', gapArg = '300', workersArg = '2'] = process.argv.slice(2);
if (!bin) { console.error('usage: recovery_storm.mjs SHOAL_BIN [clients] [gap] [workers]'); process.exit(2); }
const clients = Number(clientsArg), gap = Number(gapArg);
const APP = { id: 'storm', key: 'storm-key', secret: 'storm-secret', history: { events: 1000, seconds: 600 } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
    return new Promise((resolve) => {
        const s = net.createServer();
        s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
}

async function until(pred, ms, what) {
    const deadline = Date.now() + ms;
    while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(2);
    }
}

function client(port) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7&client=js&version=8.4.0`);
    const c = { ws, ready: false, offsets: [], succeeded: false, bad: false };
    ws.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        if (msg.event === 'pusher:connection_established') c.ready = true;
        else if (msg.event === 'pusher_internal:subscription_succeeded') c.succeeded = true;
        else if (msg.position) {
            if (msg.position.offset !== c.offsets.length + 1) c.bad = true;
            c.offsets.push(msg.position.offset);
        }
    });
    return c;
}

async function storm(port, channel, recover, wantEvents) {
    const cs = [];
    for (let i = 0; i < clients; ++i) {
        cs.push(client(port));
        if (i % 100 === 99) await until(() => cs.every((c) => c.ready), 30000, 'connections');
    }
    await until(() => cs.every((c) => c.ready), 30000, 'connections');
    const t0 = process.hrtime.bigint();
    for (const c of cs)
        c.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, ...(recover ? { recover } : {}) } }));
    await until(() => cs.every((c) => c.succeeded && c.offsets.length >= wantEvents), 120000, 'the storm');
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const bad = cs.filter((c) => c.bad || c.offsets.length !== wantEvents).length;
    for (const c of cs) c.ws.close();
    return { ms, bad };
}

const dir = mkdtempSync(join(tmpdir(), 'shoal-storm-'));
writeFileSync(join(dir, 'apps.json'), JSON.stringify({ apps: [APP] }));
const port = await freePort();
const srv = spawn(bin, ['serve', '--port', String(port), '--workers', workersArg, '--log-level', 'warn',
                        '--bus-name', `shoal-storm-${port}`, '--apps', join(dir, 'apps.json')],
                  { stdio: ['ignore', 'ignore', 'inherit'] });
try {
    for (let i = 0; ; ++i) {
        const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false);
        if (ok) break;
        if (i > 200) throw new Error('shoal did not start');
        await sleep(50);
    }
    const sdk = new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1',
                                   port: String(port), useTLS: false });
    for (let n = 1; n <= gap; n += 10) {
        const batch = [];
        for (let k = n; k < n + 10 && k <= gap; ++k) batch.push({ channel: 'storm', name: 'tick', data: JSON.stringify({ n: k }) });
        await sdk.triggerBatch(batch);
    }
    const epochOf = async () => {
        for (;;) {
            const h = JSON.parse(await (await sdk.get({ path: '/channels/storm/history', params: { limit: 1 } })).text());
            if (h.latest === gap) return h.epoch;
            await sleep(2);
        }
    };
    const epoch = await epochOf();
    const rec = await storm(port, 'storm', { offset: 0, epoch }, gap);
    const base = await storm(port, 'plain', null, 0);
    console.log(`recovery storm: ${clients} clients x ${gap}-event gap: ${rec.ms.toFixed(0)} ms until the last ` +
                `has all (${rec.bad} wrong); baseline, the same clients subscribing without recovery: ` +
                `${base.ms.toFixed(0)} ms; ratio ${(rec.ms / base.ms).toFixed(2)}; ` +
                `${((clients * gap) / (rec.ms / 1000)).toFixed(0)} recovered events/s`);
} finally {
    srv.kill('SIGTERM');
    await new Promise((r) => srv.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
}
