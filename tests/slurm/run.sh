#!/bin/bash
# The sharded sweep on a real single-node Slurm cluster: installs Slurm and MUNGE from Debian's
# packages when missing, starts munged, slurmctld and slurmd on this machine only (in a network
# namespace of their own that nothing outside can reach, a temporary folder for every path), submits deploy/slurm/sweep.sbatch for a bundled sweep as a
# 4-task array with the merge after it, waits (bounded), compares the merged outputs byte for
# byte with an unsharded run, and stops the daemons it started by their pid files.
# A daemon that cannot start fails the test with its log; nothing is skipped.
# Run from the repository: tests/slurm/run.sh (root; about a minute).
set -euo pipefail
[[ -n "${SLURM_TEST_TRACE:-}" ]] && set -x
cd "$(dirname "$0")/../.."
repo="$(pwd)"
sweep="${SLURM_TEST_SWEEP:-scenarios/sweep-s3-buffering.ron}"
limit="${SLURM_TEST_TIMEOUT:-240}"
started_at=$SECONDS

cargo build --release --quiet
bin="$repo/target/release/firehose-sim"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    echo "slurm test: installing slurm-wlm and munge from the distribution's packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null
fi

# The cluster runs in a network namespace of its own: loopback, plus a veth pair whose two ends
# are both inside it (Slurm binds with AI_ADDRCONFIG, which wants one IPv4 address that is not
# loopback). Nothing it starts can be reached from outside this namespace.
if [[ -z "${FIREHOSE_SLURM_NETNS:-}" ]]; then
    export FIREHOSE_SLURM_NETNS=1
    exec unshare --net -- bash -c '
        ip link set lo up &&
        ip link add fs-a type veth peer name fs-b &&
        ip addr add 10.255.255.1/30 dev fs-a &&
        ip link set fs-a up && ip link set fs-b up &&
        exec "$0" "$@"' "$0" "$@"
fi

tmp="$(mktemp -d /tmp/firehose-slurm.XXXXXX)"
chmod 755 "$tmp"
pids=()
cleanup() {
    status=$?
    for pidfile in "$tmp/slurmd.pid" "$tmp/slurmctld.pid" "$tmp/munge/munged.pid"; do
        if [[ -s "$pidfile" ]]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
        fi
    done
    sleep 1
    for pidfile in "$tmp/slurmd.pid" "$tmp/slurmctld.pid" "$tmp/munge/munged.pid"; do
        if [[ -s "$pidfile" ]]; then
            kill -9 "$(cat "$pidfile")" 2>/dev/null || true
        fi
    done
    if [[ $status -ne 0 ]]; then
        for log in "$tmp"/*.log "$tmp"/munge/*.log "$tmp"/out/*.out "$tmp"/out/*.err; do
            [[ -f "$log" ]] && { echo "---- $log" >&2; tail -n 40 "$log" >&2; }
        done
    fi
    rm -rf "$tmp"
    exit $status
}
trap cleanup EXIT

fail() {
    echo "slurm test: FAILED: $*" >&2
    exit 1
}

# MUNGE, as the munge user, with its socket, pid, log and seed in the temporary folder.
mkdir -p "$tmp/munge"
chown munge:munge "$tmp/munge"
chmod 755 "$tmp/munge"
if [[ ! -s /etc/munge/munge.key ]]; then
    runuser -u munge -- /usr/sbin/mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null ||
        fail "no MUNGE key at /etc/munge/munge.key and mungekey could not make one"
fi
socket="$tmp/munge/munge.socket"
runuser -u munge -- /usr/sbin/munged --socket="$socket" --pid-file="$tmp/munge/munged.pid" \
    --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed" ||
    fail "munged did not start"

host="$(hostname -s)"
cpus="$(nproc)"
mkdir -p "$tmp/spool/d" "$tmp/state"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=firehose-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool/d
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SlurmctldParameters=enable_configless
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
/usr/sbin/slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
/usr/sbin/slurmd -f "$SLURM_CONF" || fail "slurmd did not start"

# The node is up when sinfo shows it idle.
for _ in $(seq 1 60); do
    if timeout 5 sinfo -h -o '%t' 2>/dev/null | grep -q idle; then
        break
    fi
    sleep 1
done
timeout 5 sinfo -h -o '%t' | grep -q idle || fail "the node did not come up: $(timeout 5 sinfo 2>&1)"

# The array and its merge, waited for; then the unsharded run.
out="$tmp/out"
mkdir -p "$out"
array_start=$SECONDS
submitted=$(date +%s.%N)
if ! WAIT=1 FIREHOSE_SIM="$bin" timeout "$limit" deploy/slurm/sweep.sbatch "$sweep" "$out" 4 \
    > "$tmp/merge-job-id"; then
    fail "the array or its merge did not finish within ${limit} s: $(squeue 2>&1; sacct 2>&1 | tail -5)"
fi
for k in 0 1 2 3; do
    [[ -s "$out/shards/shard-$k-of-4.csv" ]] || fail "task $k wrote no shard"
done
array_took=$((SECONDS - array_start))
# The array's makespan: from submission to the last shard written.
last_shard=$(stat -c %.3Y "$out"/shards/shard-*-of-4.csv | sort -n | tail -n 1)
makespan=$(echo "$last_shard - $submitted" | bc)
plain_start=$(date +%s.%N)
"$bin" sweep "$sweep" --jobs 1 --out "$tmp/plain" > "$tmp/plain.csv" 2>/dev/null
plain_took=$(echo "$(date +%s.%N) - $plain_start" | bc)
diff -r "$tmp/plain" "$out/merged" >/dev/null || fail "the merged outputs differ from the unsharded run: $(diff -rq "$tmp/plain" "$out/merged")"
merge_log="$(ls "$out"/firehose-merge-*.out)"
cmp -s "$tmp/plain.csv" "$merge_log" || fail "the merge job printed another sweep.csv than the unsharded run"
tasks_took=$(grep -ho "ran in [0-9.]* s" "$out"/firehose-firehose-sweep-*.out | awk '{s += $3} END {print s}')
echo "slurm test: 4-task array and merge on $host ($cpus CPUs) equal the unsharded run byte for byte ($(ls "$tmp/plain" | wc -l) files); the 4 tasks ${makespan} s from submission to the last shard (their own run times add up to ${tasks_took} s), the merge done ${array_took} s after submission; one process with --jobs 1 ${plain_took} s; the whole test $((SECONDS - started_at)) s" >&2
