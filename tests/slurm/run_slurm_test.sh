#!/usr/bin/env bash
# A real SLURM test: a one-node cluster on localhost runs the quick config through
# profiles/slurm, and every table must match a local run of the same config.
#
#   sudo tests/slurm/run_slurm_test.sh     # or: make test-slurm   (what .ci/run calls)
#
# As root on Debian/Ubuntu it
#   1. installs slurm-wlm and munge with apt-get if they are missing (no service is
#      started by the install: a policy-rc.d forbids it while apt runs);
#   2. writes a private munge key and slurm.conf under a temporary folder: one node
#      (this machine, 127.0.0.1), no accounting database (sacct does not work, as on
#      clusters without slurmdbd), no cgroups (proctrack/linuxproc, task/none), its
#      own ports and munge socket, so a Slurm or munge already on the machine is
#      neither used nor disturbed;
#   3. starts munged, slurmctld and slurmd in the foreground as children of this
#      script and records their PIDs;
#   4. copies the checkout twice, runs `snakemake --workflow-profile profiles/slurm
#      --configfile config/quick.yaml` in one copy and the same config locally in the
#      other, at the same time (the cluster's 2 CPUs and the local run share the
#      machine; results do not depend on the order jobs run in);
#   5. compares every CSV/JSON table under results/ (tests/slurm/compare_results.py);
#   6. on exit, however it exits: cancels any job left in the queue, stops exactly
#      the daemons it started (by PID, TERM then KILL) and checks they are gone.
#
# Environment: PYTHON (default .venv/bin/python of this checkout, with '.[slurm]'
# installed), CONFIG (default config/quick.yaml), TIMEOUT (seconds for the runs, default
# 1800: a guard against a hang, far above the few minutes a run takes on an idle
# 2-core machine), KEEP=1 keeps the temporary folder (also kept when the test fails).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
CONFIG=${CONFIG:-config/quick.yaml}
TIMEOUT=${TIMEOUT:-1800}
START=$(date +%s)

say() { printf '[slurm-test %3ds] %s\n' "$(($(date +%s) - START))" "$*"; }

[[ $(id -u) -eq 0 ]] || { echo "run as root (it installs packages and starts daemons)" >&2; exit 2; }
"$PYTHON" -c "import snakemake_executor_plugin_slurm" 2>/dev/null || {
    echo "$PYTHON lacks the executor plugin: pip install -e '.[slurm]' (make test-slurm does)" >&2
    exit 2
}

# --- 1. packages -------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
    || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null \
    || ! command -v mungekey >/dev/null; then
    say "installing slurm-wlm and munge"
    made_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        # Keep the packages' init scripts from starting system-wide daemons.
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
    [[ $made_policy == 1 ]] && rm -f /usr/sbin/policy-rc.d
fi
say "$(slurmctld -V)"

# --- 2. configuration ----------------------------------------------------------
# Slurm's own default path: inside a job the executor plugin runs `srun` with every
# SLURM_* variable but the job's identity removed (SLURM_CONF included), so srun
# finds the cluster only where a stock cluster keeps its configuration.
SLURM_CONF=/etc/slurm/slurm.conf
if [[ -e $SLURM_CONF ]] && grep -qx 'ClusterName=vanishing-test' "$SLURM_CONF" \
    && ! pgrep -x slurmctld >/dev/null && ! pgrep -x slurmd >/dev/null; then
    # Left by a run of this script that was killed before it could clean up.
    say "removing a stale $SLURM_CONF of an earlier test run"
    rm -f "$SLURM_CONF"
fi
if [[ -e $SLURM_CONF ]]; then
    echo "$SLURM_CONF exists: this machine has a Slurm of its own; not touching it" >&2
    exit 2
fi
WORK=$(mktemp -d /tmp/vanishing-slurm.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK"/{munge,state,spool,log} /etc/slurm
chmod 755 "$WORK/munge"
PIDS=()
NAMES=()
RUNS=()
WROTE_CONF=0

cleanup() {
    local rc=$? i pid alive
    trap - EXIT INT TERM
    set +e
    # Snakemake runs still going (a failure or a signal): TERM lets them cancel their
    # SLURM jobs and end their local ones while the cluster is still up.
    for pid in "${RUNS[@]}"; do
        kill -0 "$pid" 2>/dev/null || continue
        say "stopping snakemake (pid $pid)"
        kill -TERM "$pid"
        for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        wait "$pid" 2>/dev/null
    done
    # Every job in this private cluster is ours.
    if [[ ${#PIDS[@]} -gt 0 ]] && timeout 10 squeue -h -o %i >"$WORK/left.txt" 2>/dev/null \
        && [[ -s $WORK/left.txt ]]; then
        say "cancelling jobs left in the queue: $(tr '\n' ' ' <"$WORK/left.txt")"
        xargs timeout 10 scancel <"$WORK/left.txt"
        for _ in $(seq 30); do
            [[ -z $(timeout 10 squeue -h -t PD,R,CG -o %i 2>/dev/null) ]] && break
            sleep 1
        done
    fi
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[i]}
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            say "${NAMES[i]} ($pid) ignored TERM: KILL"
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    alive=0
    for ((i = 0; i < ${#PIDS[@]}; i++)); do
        if kill -0 "${PIDS[i]}" 2>/dev/null; then
            say "still running: ${NAMES[i]} (${PIDS[i]})"
            alive=1
        fi
    done
    [[ ${#PIDS[@]} -gt 0 ]] && say "stopped ${NAMES[*]} (pids ${PIDS[*]})"
    # Job steps run under slurmstepd, which slurmd detaches; they end with their job.
    if pgrep -x slurmstepd >/dev/null; then
        say "slurmstepd still running: $(pgrep -x slurmstepd | tr '\n' ' ')"
        alive=1
    fi
    [[ $WROTE_CONF == 1 ]] && cp "$SLURM_CONF" "$WORK/slurm.conf" && rm -f "$SLURM_CONF"
    if [[ $rc -ne 0 || $alive -ne 0 ]]; then
        for f in "$WORK"/log/*; do
            [[ -s $f ]] && { echo "--- tail of $f"; tail -n 25 "$f"; }
        done
        say "FAILED (exit $rc); kept $WORK"
        [[ $rc -eq 0 ]] && rc=1
        echo "slurm-test: 0 passed, 1 failed"
        exit "$rc"
    fi
    if [[ ${KEEP:-0} == 1 ]]; then
        say "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    say "nothing left running"
    echo "slurm-test: 1 passed, 0 failed"
    exit 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start() { # start NAME CMD...: a foreground daemon as our child, its PID recorded
    local name=$1
    shift
    "$@" >"$WORK/log/$name.out" 2>&1 &
    PIDS+=("$!")
    NAMES+=("$name")
    say "started $name (pid $!)"
}

NODE=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(slurmd -C | grep -o 'RealMemory=[0-9]*' | cut -d= -f2)
WROTE_CONF=1
cat >"$SLURM_CONF" <<EOF
ClusterName=vanishing-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
MailProg=/bin/true
# No accounting database, as on clusters without slurmdbd: sacct cannot report jobs.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# No cgroups (containers rarely delegate them).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Finished jobs stay visible to squeue for 5 minutes (Slurm's default).
MinJobAge=300
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=main Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

# --- 3. daemons ------------------------------------------------------------------
mungekey --create --keyfile="$WORK/munge/munge.key"
start munged munged --foreground --force --socket="$WORK/munge/munge.socket" \
    --key-file="$WORK/munge/munge.key" --log-file="$WORK/log/munged.log" \
    --pid-file="$WORK/munge/munged.pid" --seed-file="$WORK/munge/munged.seed"
for _ in $(seq 50); do [[ -S $WORK/munge/munge.socket ]] && break; sleep 0.1; done
start slurmctld slurmctld -D -f "$SLURM_CONF"
start slurmd slurmd -D -f "$SLURM_CONF"
state=
deadline=$((SECONDS + 60))
while ((SECONDS < deadline)); do
    for i in "${!PIDS[@]}"; do
        kill -0 "${PIDS[i]}" 2>/dev/null || { say "${NAMES[i]} exited at start"; exit 1; }
    done
    state=$(timeout 5 sinfo -h -n "$NODE" -o %t 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 0.5
done
[[ $state == idle ]] || { say "node not idle after 60 s (state: ${state:-no answer})"; exit 1; }
say "cluster up: $(sinfo -h -o '%P %D node(s) %c cpus %m MB %t')"
say "sacct without accounting says: $(sacct 2>&1 | head -n 1) (exit $(sacct >/dev/null 2>&1; echo $?))"

# --- 4. the two runs -------------------------------------------------------------
copy_checkout() { # the tracked and untracked-but-not-ignored files, as a clone would have
    mkdir -p "$1"
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard \
        | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$1"
}
copy_checkout "$WORK/local"
copy_checkout "$WORK/slurm"
BIN=$(dirname "$PYTHON")

run() { # run NAME DIR ARGS...: snakemake in DIR in the background, its PID recorded
    local name=$1 dir=$2
    shift 2
    (cd "$dir" && PYTHONPATH=$dir/src exec "$BIN/snakemake" "$@" >"$WORK/log/$name.out" 2>&1) &
    RUNS+=("$!")
    say "$name (pid $!): snakemake $*"
}
finish() { # finish PID: its exit status, or 124 after TIMEOUT seconds from the start
    local pid=$1
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < RUN_DEADLINE)) || return 124
        sleep 1
    done
    wait "$pid"
}
RUN_DEADLINE=$((SECONDS + TIMEOUT))
run local-run "$WORK/local" --cores 2 --configfile "$CONFIG"
LOCAL=${RUNS[-1]}
# Status checks every 2 s instead of the profile's 40 s: jobs here take seconds.
run slurm-run "$WORK/slurm" --workflow-profile profiles/slurm --configfile "$CONFIG" \
    --slurm-init-seconds-before-status-checks 2
SLURM=${RUNS[-1]}
slurm_rc=0
finish "$SLURM" || slurm_rc=$?
say "slurm run finished (exit $slurm_rc): $(grep -Eo '[0-9]+ of [0-9]+ steps \(100%\) done' \
    "$WORK/log/slurm-run.out" | tail -n 1)"
local_rc=0
finish "$LOCAL" || local_rc=$?
say "local run finished (exit $local_rc)"
[[ $slurm_rc -eq 0 && $local_rc -eq 0 ]] || { tail -n 40 "$WORK/log/slurm-run.out"; exit 1; }

submitted=$(grep -c '^Job .* has been submitted with SLURM jobid' "$WORK/log/slurm-run.out" || true)
say "jobs submitted to SLURM: $submitted"
[[ $submitted -gt 0 ]] || { say "no job went through SLURM"; exit 1; }

# --- 5. compare ------------------------------------------------------------------
"$PYTHON" "$REPO/tests/slurm/compare_results.py" "$WORK/local/results" "$WORK/slurm/results"
say "tables match"
