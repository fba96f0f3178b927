// SPDX-License-Identifier: MIT
// Scrapes shoal's GET /metrics and parses the Prometheus text format into a map from
// `name{labels}` (labels as written) to a number, and checks a scrape with the real promtool.
import http from 'node:http';
import { spawnSync } from 'node:child_process';

export function httpGet(port, path, headers = {}) {
    return new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { body += d; });
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
        });
        req.on('error', reject);
    });
}

export function parseMetrics(text) {
    const out = new Map();
    for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
        if (!m) throw new Error(`unparsable metrics line: ${line}`);
        out.set(m[1], Number(m[2]));
    }
    return out;
}

export async function scrape(port) {
    const r = await httpGet(port, '/metrics');
    if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`);
    return { text: r.body, values: parseMetrics(r.body), contentType: r.headers['content-type'] };
}

// `promtool check metrics` on a scrape: { ok, output }. Throws when promtool is not installed
// (scripts/deps.sh installs Debian's prometheus package, which ships it).
export function promtoolCheck(text) {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (r.error) throw new Error(`promtool not runnable (apt-get install prometheus): ${r.error.message}`);
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
