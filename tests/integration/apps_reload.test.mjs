// SPDX-License-Identifier: MIT
// test-labels: integration supervisor
// Reloading the apps file on a running server (SIGHUP, `shoal apps reload`) over two workers:
// new apps start, removed apps' connections close with 4001 (Pusher and Phoenix), a changed
// secret and changed limits apply at once, other connections stay open, a bad file is refused
// whole and the apps stay as they were, a disabled app's connections close with 4003.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { busName, startShoal, waitFor } from '../clients/shoal_server.mjs';
import { appClient, appSdk, closeCode, rawSocket, writeApps } from '../clients/app_clients.mjs';
import { connected, disconnectAll, nextEvent, releaseClosedSocket, socketOf, subscribed }
    from '../clients/pusher_clients.mjs';
import { connectPhoenix } from '../clients/phoenix_client.mjs';

const A = { id: 'a1', key: 'key-a', secret: 'secret-a' };
const B = { id: 'b1', key: 'key-b', secret: 'secret-b' };
const C = { id: 'c1', key: 'key-c', secret: 'secret-c', enabled: false };
const D = { id: 'd1', key: 'key-d', secret: 'secret-d' };

const pusherUrl = (port, key) => `ws://127.0.0.1:${port}/app/${key}?protocol=7`;
const established = (r) => r.first && JSON.parse(r.first).event === 'pusher:connection_established';

test('apps reload: added, removed, changed and disabled apps, and a bad file refused whole',
     async () => {
    const dir = mkdtempSync(pathJoin(tmpdir(), 'shoal-reload-'));
    const file = pathJoin(dir, 'apps.json');
    writeApps(file, [A, B, C]);
    const bin = process.env.SHOAL_BIN;
    assert.equal(spawnSync(bin, ['apps', 'check', file]).status, 0);
    const srv = await startShoal({ mode: 'serve', workers: 2, args: ['--apps', file] });
    const count = (what) => srv.logs().split('\n').filter((l) => l.includes(what)).length;
    const opened = [];
    const sockets = [];
    let phx;
    let aSocket;
    try {
        const a = appClient(srv.port, A);
        opened.push(a);
        const socketId = await connected(a);
        aSocket = socketOf(a);  // step 3 closes it from the server side
        const { ch } = await subscribed(a, 'news');
        const b = await rawSocket(pusherUrl(srv.port, B.key));
        assert.ok(established(b));
        sockets.push(b.socket);
        phx = connectPhoenix(srv.port, { app: B.key }, { reconnectAfterMs: () => 60000 });
        const phxClosed = new Promise((resolve) => phx.onClose((e) => resolve(e.code)));
        await waitFor(() => phx.isConnected(), 5000, 'phoenix connected');
        const c = await rawSocket(pusherUrl(srv.port, C.key));
        assert.equal(JSON.parse(c.first).data.code, 4003);
        assert.equal(await closeCode(c.socket), 4003);

        // 1. A's secret and event size change, B goes, C is enabled, D is new.
        writeApps(file, [{ ...A, secret: 'secret-a2', max_event_bytes: 16 }, { ...C, enabled: true }, D]);
        process.kill(srv.proc.pid, 'SIGHUP');
        await waitFor(() => count('apps reloaded: 3 apps') === 2, 5000, 'both workers reloaded');
        assert.equal(await closeCode(b.socket), 4001);
        assert.equal(await phxClosed, 4001);
        const newA = { ...A, secret: 'secret-a2' };
        const got = nextEvent(ch, 'after-reload');
        await appSdk(srv.port, newA).trigger('news', 'after-reload', { n: 1 });
        await got;
        assert.equal(a.connection.state, 'connected');
        assert.equal(a.connection.socket_id, socketId, 'the A client never reconnected');
        await assert.rejects(appSdk(srv.port, A).trigger('news', 'x', {}), (e) => e.status === 401);
        await assert.rejects(appSdk(srv.port, newA).trigger('news', 'x', { long: 'more than 16 bytes' }),
                             (e) => e.status === 413);
        for (const app of [C, D]) {
            const r = await rawSocket(pusherUrl(srv.port, app.key));
            assert.ok(established(r), `${app.id} admitted`);
            sockets.push(r.socket);
        }

        // 2. A bad file: refused whole, logged, and the apps stay (D still connects).
        writeFileSync(file, '{"apps": [{"id": "d1", "key": "key-d"}]}');
        const cli = spawnSync(bin, ['apps', 'reload', '--port', String(srv.port),
                                    '--bus-name', busName(srv.port)]);
        assert.equal(cli.status, 0, cli.stderr.toString());
        assert.equal(spawnSync(bin, ['apps', 'check', file]).status, 78);
        await waitFor(() => count('apps file refused') === 1, 5000, 'the refusal is logged');
        assert.match(srv.logs(), /app "d1": "secret" is required/);
        const d = await rawSocket(pusherUrl(srv.port, D.key));
        assert.ok(established(d), 'D still served');
        sockets.push(d.socket);

        // 3. A disabled: its open connections close with 4003.
        const aRaw = await rawSocket(pusherUrl(srv.port, A.key));
        assert.ok(established(aRaw));
        writeApps(file, [{ ...newA, enabled: false }, C, D]);
        process.kill(srv.proc.pid, 'SIGHUP');
        assert.equal(await closeCode(aRaw.socket), 4003);
        assert.equal(count('apps reloaded: 3 apps') >= 2, true);
    } finally {
        phx?.disconnect();
        disconnectAll(...opened);
        if (aSocket) releaseClosedSocket(aSocket);
        for (const s of sockets) s.close();
        await srv.stop();
        rmSync(dir, { recursive: true, force: true });
    }
    // The supervisor unlinks its snapshot at shutdown.
    assert.equal(spawnSync('test', ['-e', `/dev/shm/${busName(srv.port)}.apps.json`]).status, 1);
});

test('apps: serve refuses a bad apps file with 78 and says why', () => {
    const dir = mkdtempSync(pathJoin(tmpdir(), 'shoal-badapps-'));
    const file = pathJoin(dir, 'apps.json');
    writeFileSync(file, '[{"id":"1","key":"k","secret":"s","max_conections":5}]');
    const r = spawnSync(process.env.SHOAL_BIN, ['serve', '--port', '0', '--workers', '1',
                                                '--apps', file], { timeout: 10000 });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 78);
    assert.match(r.stderr.toString() + r.stdout.toString(), /unknown field "max_conections"/);
});
