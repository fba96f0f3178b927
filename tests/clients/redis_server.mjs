// SPDX-License-Identifier: MIT
// A real redis-server for the cluster tests, on 127.0.0.1 and a free port, without persistence.
// Installs the Debian package when the binary is missing (the tests need a real Redis, not a
// stand-in). Stopped and restarted by its PID only.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { freePort, sleep } from './shoal_server.mjs';

export function ensureRedisServer() {
    const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
    if (found.status === 0) return found.stdout.trim();
    const sudo = process.getuid && process.getuid() === 0 ? [] : ['sudo'];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const run = (args) => spawnSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1),
                                    { stdio: 'inherit', env });
    run(['apt-get', 'update', '-qq']);
    const r = run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'redis-server']);
    if (r.status !== 0) throw new Error('redis-server is missing and apt-get could not install it');
    return 'redis-server';
}

function ping(port) {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
        s.setTimeout(300, () => { s.destroy(); resolve(false); });
        // A server with requirepass answers -NOAUTH: it is up all the same.
        s.on('data', (d) => { s.destroy(); resolve(/^(\+PONG|-NOAUTH)/.test(d.toString())); });
        s.on('error', () => resolve(false));
    });
}

// One command over a fresh connection (inline protocol); resolves with the raw reply text.
export function redisCommand(port, line) {
    return new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => s.write(`${line}\r\n`));
        let out = '';
        s.setTimeout(1000, () => { s.destroy(); reject(new Error('redis command timed out')); });
        s.on('data', (d) => { out += d; s.end(); });
        s.on('end', () => resolve(out));
        s.on('error', reject);
    });
}

// `extraArgs` go to redis-server as they are, e.g. ['--requirepass', 'pw'].
export async function startRedis(port = null, extraArgs = []) {
    const bin = ensureRedisServer();
    port = port ?? await freePort();
    const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
                             '--appendonly', 'no', ...extraArgs],
                       { stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    proc.stdout.on('data', (d) => { logs += d; });
    proc.stderr.on('data', (d) => { logs += d; });
    const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
    const deadline = Date.now() + 5000;
    while (!(await ping(port))) {
        if (proc.exitCode !== null || Date.now() > deadline) {
            proc.kill('SIGKILL');
            throw new Error(`redis-server did not start on ${port}:\n${logs}`);
        }
        await sleep(20);
    }
    return {
        port,
        pid: proc.pid,
        url: `redis://127.0.0.1:${port}`,
        async kill() {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
            await exited;
        },
    };
}
