// SPDX-License-Identifier: MIT
// A throw-away certificate authority made with the real openssl command: a CA and leaf
// certificates it signs (P-256, SAN 127.0.0.1 and localhost), each leaf written as a full chain
// (leaf then CA) with its key. Usage:
//   const ca = makeTestCa(); const { cert, key } = ca.issue('srv', 'one.test'); ... ca.remove();
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function openssl(args) {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
}

export function makeTestCa() {
    const dir = mkdtempSync(join(tmpdir(), 'shoal-ca-'));
    const caKey = join(dir, 'ca.key'), caCert = join(dir, 'ca.pem');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
             '-keyout', caKey, '-out', caCert, '-days', '2', '-subj', '/CN=shoal test CA']);
    const ext = join(dir, 'leaf.ext');
    writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    let serial = 1;
    return {
        dir,
        caFile: caCert,
        ca: readFileSync(caCert),
        // <name>.pem (leaf + CA) and <name>.key; returns their paths.
        issue(name, commonName) {
            const key = join(dir, `${name}.key`), csr = join(dir, `${name}.csr`);
            const leaf = join(dir, `${name}.leaf.pem`), cert = join(dir, `${name}.pem`);
            openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                     '-keyout', key, '-out', csr, '-subj', `/CN=${commonName}`]);
            openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-set_serial',
                     String(++serial), '-days', '2', '-extfile', ext, '-out', leaf]);
            writeFileSync(cert, Buffer.concat([readFileSync(leaf), readFileSync(caCert)]));
            return { cert, key };
        },
        path: (name) => join(dir, name),
        remove() { rmSync(dir, { recursive: true, force: true }); },
    };
}
