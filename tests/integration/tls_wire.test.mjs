// SPDX-License-Identifier: MIT
// test-labels: integration supervisor tls
// test-timeout: 150
// TLS on the server's own port, `shoal serve --workers 2`, with a CA this test makes with the real
// openssl: pusher-js over wss:// and the pusher SDK over https:// (unchanged, trusting the CA
// through NODE_EXTRA_CA_CERTS), phoenix.js over wss://, the plain port beside it, openssl s_client
// with a wrong SNI or ALPN, bytes that are no TLS, the certificate reloaded on SIGHUP without a
// connection dropped, and the exit code of a bad certificate or key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Socket } from 'phoenix';
import PusherServer from 'pusher';
import { startShoal, freePort, waitFor, APP } from '../clients/shoal_server.mjs';
import { join, push, nextEvent as phoenixEvent } from '../clients/phoenix_client.mjs';
import { makeTestCa } from '../clients/test_ca.mjs';

let ca, srv, plainPort, files;
before(async () => {
    ca = makeTestCa();
    files = ca.issue('srv', 'one.test');
    plainPort = await freePort();
    srv = await startShoal({
        mode: 'serve', workers: 2, tlsCa: ca.ca,
        args: ['--tls-cert', files.cert, '--tls-key', files.key, '--plain-port', String(plainPort)],
    });
});
after(async () => {
    const r = await srv?.stop();
    ca?.remove();
    if (r) assert.equal(r.code, 0, srv.logs());
});

const peerName = (port) => new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: ca.ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] }, () => {
        const cn = s.getPeerCertificate().subject.CN;
        const alpn = s.alpnProtocol;
        s.end();
        resolve({ cn, alpn });
    });
    s.on('error', reject);
});

const closedBy = (bytes) => new Promise((resolve) => {
    const s = net.connect(srv.port, '127.0.0.1', () => s.write(bytes));
    let received = 0;
    s.on('data', (d) => { received += d.length; });
    s.on('error', () => {});
    s.on('close', () => resolve(received));
});

function sdkOverHttps() {
    return new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1',
                              port: String(srv.port), useTLS: true,
                              agent: new https.Agent({ ca: ca.ca, keepAlive: true, maxSockets: 1 }) });
}

test('pusher-js over wss:// and the pusher SDK over https:// and the plain port', async () => {
    const probe = fileURLToPath(new URL('../clients/pusher_tls_probe.mjs', import.meta.url));
    const child = spawn(process.execPath, [probe], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caFile, SHOAL_TLS_PORT: String(srv.port),
               SHOAL_PLAIN_PORT: String(plainPort) },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0, `probe failed: ${stdout}\n${stderr}`);
    const seen = JSON.parse(stdout.trim().split('\n').pop());
    assert.match(seen.url, /^wss:\/\/127\.0\.0\.1:\d+\/app\/app-key/);
    assert.equal(seen.socketIds.length, 2);
    assert.deepEqual(seen.overHttps, { via: 'https' });
    assert.deepEqual(seen.overPlain, { via: 'plain port' });
    assert.deepEqual(seen.clientEvent, { who: 'a' });
    assert.equal(seen.subscriptionCount, 1);
});

test('phoenix.js over wss:// (ws as its transport, trusting the test CA)', async () => {
    class CaWebSocket extends WebSocket {
        constructor(url, protocols) { super(url, protocols, { ca: ca.ca }); }
    }
    const open = () => {
        const s = new Socket(`wss://127.0.0.1:${srv.port}/socket`, { transport: CaWebSocket, reconnectAfterMs: () => 200 });
        s.connect();
        return s;
    };
    const a = open(), b = open();
    try {
        const ca1 = a.channel('room:tls', {}), cb1 = b.channel('room:tls', {});
        await join(ca1);
        await join(cb1);
        const got = phoenixEvent(cb1, 'shout');
        assert.deepEqual(await push(ca1, 'shout', { body: 'encrypted' }), {});
        assert.deepEqual(await got, { body: 'encrypted' });
    } finally {
        a.disconnect();
        b.disconnect();
    }
});

test('openssl s_client: any SNI gets the one certificate; ALPN without http/1.1 is refused', () => {
    const sclient = (...extra) => spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${srv.port}`,
                                                        '-CAfile', ca.caFile, ...extra],
                                            { input: '', encoding: 'utf8', timeout: 10000 });
    const wrongSni = sclient('-servername', 'wrong.example', '-alpn', 'http/1.1');
    assert.equal(wrongSni.status, 0, wrongSni.stderr);
    assert.match(wrongSni.stdout, /subject=CN ?= ?one\.test/);
    assert.match(wrongSni.stdout, /ALPN protocol: http\/1\.1/);
    assert.match(wrongSni.stdout, /Verify return code: 0 \(ok\)/);
    assert.match(wrongSni.stdout, /TLSv1\.3/);

    const h2 = sclient('-alpn', 'h2');
    assert.notEqual(h2.status, 0);
    assert.match(h2.stdout + h2.stderr, /no application protocol/);

    const tls12 = sclient('-tls1_2', '-alpn', 'http/1.1');
    assert.equal(tls12.status, 0, tls12.stderr);
    assert.match(tls12.stdout, /Protocol *: TLSv1\.2/);
    const tls11 = sclient('-tls1_1');
    assert.notEqual(tls11.status, 0);
});

test('bytes that are no TLS are closed; the server serves on', async () => {
    for (const bytes of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', Buffer.alloc(512, 0xff), Buffer.from('\x16\x03\x01\x00\x05hello')]) {
        await closedBy(bytes);
    }
    assert.deepEqual(await peerName(srv.port), { cn: 'one.test', alpn: 'http/1.1' });
});

test('SIGHUP: the certificate is read again, open connections stay', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${srv.port}/app/${APP.key}?protocol=7`, { ca: ca.ca });
    const messages = [];
    ws.on('message', (m) => messages.push(JSON.parse(m)));
    await waitFor(() => messages.length === 1, 5000, 'connection_established');
    ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'reload' } }));
    await waitFor(() => messages.length === 2, 5000, 'subscription_succeeded');
    let closed = false;
    ws.on('close', () => { closed = true; });

    const next = ca.issue('next', 'two.test');
    renameSync(next.cert, files.cert);
    renameSync(next.key, files.key);
    const reloads = () => (srv.logs().match(/TLS certificate reloaded: \/CN=two\.test/g) ?? []).length;
    process.kill(srv.proc.pid, 'SIGHUP');
    await waitFor(() => reloads() === 2, 10000, 'both workers reloaded');

    for (let i = 0; i < 4; i++) assert.equal((await peerName(srv.port)).cn, 'two.test');
    await sdkOverHttps().trigger('reload', 'after', { ok: true });
    await waitFor(() => messages.length === 3, 5000, 'the event on the old connection');
    assert.equal(messages[2].event, 'after');
    assert.equal(closed, false);
    ws.close();

    // A broken file is logged and the working certificate stays.
    ca.issue('bad', 'bad.test');
    renameSync(ca.path('bad.pem'), files.cert);  // its key no longer matches
    process.kill(srv.proc.pid, 'SIGHUP');
    await waitFor(() => (srv.logs().match(/SIGHUP: --tls-key .* does not match the certificate/g) ?? []).length === 2,
                  10000, 'both workers refused the pair');
    assert.equal((await peerName(srv.port)).cn, 'two.test');
});

test('a wrong path or a key that does not match: serve exits 78 with the reason', async () => {
    const other = ca.issue('other', 'other.test');
    const port = await freePort();
    const run = (...args) => spawnSync(process.env.SHOAL_BIN, ['serve', '--port', String(port), '--workers', '1',
                                                               '--bus-name', `shoal-test-tls-${port}`, ...args],
                                       { encoding: 'utf8', timeout: 10000 });
    const missing = run('--tls-cert', ca.path('nope.pem'), '--tls-key', other.key);
    assert.equal(missing.status, 78);
    assert.match(missing.stderr + missing.stdout, /cannot read --tls-cert .*nope\.pem: No such file or directory/);
    const mismatch = run('--tls-cert', other.cert, '--tls-key', ca.path('ca.key'));
    assert.equal(mismatch.status, 78);
    assert.match(mismatch.stderr + mismatch.stdout, /--tls-key .*ca\.key does not match the certificate in --tls-cert .*other\.pem/);
    const half = run('--tls-cert', other.cert);
    assert.equal(half.status, 78);
    assert.match(half.stderr, /--tls-cert and --tls-key go together/);
});
