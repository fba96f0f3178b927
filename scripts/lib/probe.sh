# SPDX-License-Identifier: MIT
# Sourced by the bench scripts: a free loopback port, and waiting for a server to answer on one.
# Bash's /dev/tcp keeps them free of curl/nc, which a bare machine may lack.

# Prints a port in 20000-29999 that nothing on 127.0.0.1 accepts on (50 tries).
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 10000))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}

# ready PORT [shoal|redis]: 0 once shoal's GET /ready answers 200 (or redis answers PING), polled
# every 100 ms for 10 s; 1 after that.
ready() {
    local port=$1 kind=${2:-shoal} line=""
    for _ in $(seq 1 100); do
        if { exec 3<>/dev/tcp/127.0.0.1/"$port"; } 2>/dev/null; then
            if [ "$kind" = redis ]; then printf 'PING\r\n' >&3; else
                printf 'GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3; fi
            IFS= read -r -t 1 line <&3 || true
            exec 3<&- 3>&-
            case "$line" in "+PONG"*|"HTTP/1.1 200"*) return 0 ;; esac
        fi
        sleep 0.1
    done
    return 1
}
