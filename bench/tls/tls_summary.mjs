// SPDX-License-Identifier: MIT
// The table of one tls_bench.sh run: per scenario and mode, the median over the rounds of each
// figure, with ratios against plain from the same run. Usage: node tls_summary.mjs DIR ROUNDS
import { readFileSync } from 'node:fs';

const [dir, rounds] = process.argv.slice(2);
const median = (xs) => {
    const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    if (!s.length) return NaN;
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const modes = ['plain', 'deflate', 'tls', 'tls-deflate'];
const scenarios = { 'n1000-c1': '1,000 subscribers, 1 channel', 'n10000-c100': '10,000 subscribers, 100 channels' };
for (const [sc, title] of Object.entries(scenarios)) {
    console.log(`\n${title} (1 KiB JSON event, --workers 1, median of ${rounds} rounds)\n`);
    console.log('| mode | deliveries/s | vs plain | server ns CPU/delivery | vs plain | server cores | load generator cores | bytes read/delivery | set-up: server µs CPU/client | set-ups/s seen | lost |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    let base = null;
    for (const m of modes) {
        const runs = [];
        for (let r = 1; r <= Number(rounds); r++) {
            try { runs.push(JSON.parse(readFileSync(`${dir}/${sc}-${m}-r${r}.json`, 'utf8'))); } catch { /* missing round */ }
        }
        if (!runs.length) { console.log(`| ${m} | no result | | | | | | | | | |`); continue; }
        const f = {
            dps: median(runs.map((j) => j.deliveries_per_s)),
            ns: median(runs.map((j) => j.server?.cpu_ns_per_delivery)),
            cores: median(runs.map((j) => j.server?.cores)),
            own: median(runs.map((j) => j.loadgen.cores)),
            bytes: median(runs.map((j) => j.wire.bytes_per_delivery)),
            setup: median(runs.map((j) => j.server?.connect_cpu_us)),
            rate: median(runs.map((j) => j.connect.per_s)),
            lost: runs.reduce((a, j) => a + j.lost + j.dropped, 0),
        };
        base ??= f;
        console.log(`| ${m} | ${f.dps.toFixed(0)} | ${(f.dps / base.dps).toFixed(2)} | ${f.ns.toFixed(0)} | ` +
                    `${(f.ns / base.ns).toFixed(2)} | ${f.cores.toFixed(2)} | ${f.own.toFixed(2)} | ${f.bytes.toFixed(0)} | ` +
                    `${f.setup.toFixed(0)} | ${f.rate.toFixed(0)} | ${f.lost} |`);
    }
}
