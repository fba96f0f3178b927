// SPDX-License-Identifier: MIT
// A bounded load client for the fault scripts: for DURATION_MS it opens RATE TCP connections a
// second to 127.0.0.1:PORT, sends GET /ready on each and waits for the status line. It prints a
// JSON summary; `refused` counts ECONNREFUSED, the one failure the server must never cause;
// `closed_unanswered` counts connections accepted and then closed before an answer.
// Usage: node load_client.mjs PORT DURATION_MS RATE
import net from 'node:net';

const [port, durationMs, rate] = process.argv.slice(2).map(Number);
const stats = { attempts: 0, connected: 0, refused: 0, errors: 0, ok: 0, other_status: 0,
                timeouts: 0, closed_unanswered: 0, max_connect_ms: 0 };
const kTimeoutMs = 5000;
let outstanding = 0;

function attempt() {
    stats.attempts++;
    outstanding++;
    const t0 = Date.now();
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    let done = false;
    const finish = (what) => {
        if (done) return;
        done = true;
        if (what) stats[what]++;
        outstanding--;
        sock.destroy();
    };
    sock.setTimeout(kTimeoutMs, () => finish('timeouts'));
    sock.on('connect', () => {
        stats.connected++;
        stats.max_connect_ms = Math.max(stats.max_connect_ms, Date.now() - t0);
        sock.write('GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    });
    sock.on('data', (d) => {
        buf += d;
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        finish(buf.startsWith('HTTP/1.1 200') ? 'ok' : 'other_status');
    });
    sock.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'errors'));
    sock.on('close', () => finish('closed_unanswered'));
}

const start = Date.now();
const every = Math.max(1, Math.floor(1000 / rate));
const timer = setInterval(() => {
    if (Date.now() - start >= durationMs) {
        clearInterval(timer);
        const wait = setInterval(() => {
            if (outstanding === 0 || Date.now() - start > durationMs + kTimeoutMs + 1000) {
                clearInterval(wait);
                process.stdout.write(JSON.stringify(stats) + '\n');
                process.exit(0);
            }
        }, 20);
        return;
    }
    attempt();
}, every);
