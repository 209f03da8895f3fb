#!/usr/bin/env bash
# Conformance tier: the OCI runtime-tools validation suite (v0.9.0, from its Go
# module) run against gorunc and runc side by side, on the same machine, in the
# same run.
#
#   tests/conformance/run.sh                 # gorunc and runc, every test
#   RUNTIMES=gorunc TESTS="create state" tests/conformance/run.sh
#
# Env: RUNTIMES (names: gorunc, runc, crun or a path), TESTS (subset),
# TIMEOUT (seconds per test program, default 120), GORUNC (binary to test,
# default bin/gorunc built by `make build`), SUMMARY_ONLY=1 (only print the
# table and apply the gate from the last run's files).
#
# Output: build/conformance/<runtime>/<test>.tap (+ .stderr, .rc), the table
# on stdout and in build/conformance/summary.txt.
# Exit status: non-zero when a test listed in expected-pass.txt does not fully
# pass with gorunc (a regression); newly passing tests are only reported.
#
# Safety (the host is shared):
#  - everything runs in a private mount namespace (`unshare -m`): one test runs
#    a container with no mount namespace of its own;
#  - and in a new cgroup namespace rooted at a cgroup made for this run under
#    this process's own cgroup in every hierarchy, with cgroupfs remounted
#    inside the mount namespace: the suite's absolute cgroupsPath "/cgrouptest"
#    (delete_resources, linux_cgroups_*) and runtimes' default cgroups land
#    under <own cgroup>/gorunc-conformance-<pid>/, never at the host's root;
#  - the runtimes' state roots (/run/gorunc, /run/runc) and TMPDIR (bundles)
#    are private tmpfs mounts; after every test program each runtime's
#    leftover containers are force-deleted, and at the end any process still
#    in the run's cgroups (all started by this script) is killed and the
#    cgroups removed.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$ROOT/build/conformance}
BIN=$OUT/bin
WORK=$OUT/work
TIMEOUT=${TIMEOUT:-120}
RUNTIMES=${RUNTIMES:-gorunc runc}
EXPECTED=$HERE/expected-pass.txt

log() { echo "conformance: $*" >&2; }
die() { log "$*"; exit 2; }

# ---------------------------------------------------------------- inner part
# Runs inside `unshare -m -C --propagation private` (see the outer part).
if [[ ${1:-} == --inner ]]; then
	shift
	# cgroupfs as seen from the new cgroup namespace: a fresh tmpfs on
	# /sys/fs/cgroup (the kernel refuses the same superblock mounted twice on
	# one mount point) and every hierarchy remounted on it, so that each root
	# is the run's cgroup.
	mounts=$(findmnt -rn -o TARGET,FSTYPE,OPTIONS -t cgroup,cgroup2)
	mount -t tmpfs -o mode=0755 cgroup_root /sys/fs/cgroup || die "tmpfs on /sys/fs/cgroup"
	while read -r mp fstype opts; do
		[[ $mp == /sys/fs/cgroup/* ]] || die "unexpected cgroup mount point $mp"
		mkdir -p "$mp"
		case $fstype in
		cgroup)
			sub=$(tr ',' '\n' <<<"$opts" | grep -vE '^(rw|ro|relatime|nosuid|nodev|noexec|clone_children|xattr|noprefix)$' | grep -vE '^release_agent=' | paste -sd,)
			[[ $sub == name=* ]] && sub="none,$sub"
			mount -t cgroup -o "$sub" cgroup "$mp" || die "remount $mp ($sub)"
			;;
		cgroup2) mount -t cgroup2 cgroup2 "$mp" || die "remount $mp" ;;
		esac
	done <<<"$mounts"
	mkdir -p /run/gorunc /run/runc /run/crun "$WORK/tmp"
	for d in /run/gorunc /run/runc /run/crun "$WORK/tmp"; do
		mount -t tmpfs -o mode=0711 tmpfs "$d" || die "tmpfs on $d"
	done
	export TMPDIR=$WORK/tmp
	cd "$WORK" || die "no $WORK"
	for rt in "$@"; do
		name=${rt##*/}
		bin=$rt
		[[ $name == gorunc ]] && bin=${GORUNC:-$ROOT/bin/gorunc}
		mkdir -p "$OUT/$name"
		for t in $TESTS; do
			start=$EPOCHREALTIME
			client=$bin
			# killsig races its own container (killsig-client.sh says how).
			[[ $t == killsig ]] && client=$HERE/killsig-client.sh
			KILLSIG_RUNTIME=$bin RUNTIME=$client timeout -k 10 "$TIMEOUT" "$BIN/validation/$t" >"$OUT/$name/$t.tap" 2>"$OUT/$name/$t.stderr" </dev/null
			rc=$?
			secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
			echo "$rc $secs" >"$OUT/$name/$t.rc"
			printf '  %-8s %-36s rc=%-3s %5.1fs\n' "$name" "$t" "$rc" "$secs" >&2
			# Leftovers: every container in the private state root is ours.
			for id in $("$bin" list -q 2>/dev/null); do
				"$bin" delete --force "$id" >/dev/null 2>&1 ||
					{ "$bin" kill "$id" KILL >/dev/null 2>&1; sleep 0.5; "$bin" delete --force "$id" >/dev/null 2>&1; } ||
					log "$name: could not delete leftover container $id after $t"
			done
			rm -rf "${TMPDIR:?}"/* 2>/dev/null
		done
	done
	exit 0
fi

# ---------------------------------------------------------------- outer part
[[ $(id -u) == 0 ]] || die "must run as root"

cgdirs=()
if [[ -n ${SUMMARY_ONLY:-} ]]; then
	# Only re-read the recorded TAP files.
	ALL=$(echo $(ls "$BIN/validation"))
	TESTS=$(echo ${TESTS:-$ALL})
else
# Prerequisites (Debian): runc for the side-by-side run, util-linux (unshare,
# findmnt), coreutils timeout, tar.
need=()
for c in unshare:util-linux findmnt:util-linux timeout:coreutils tar:tar; do
	command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
done
for rt in $RUNTIMES; do
	case $rt in runc | crun) command -v "$rt" >/dev/null || need+=("$rt") ;; esac
done
if ((${#need[@]})); then
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
fi

# gorunc itself.
if [[ " $RUNTIMES " == *" gorunc "* && -z ${GORUNC:-} ]]; then
	make -C "$ROOT" --no-print-directory build >&2 || die "make build failed"
fi

# The validation programs and runtimetest, straight from the module cache,
# with the dependency versions pinned by this wrapper module.
export GOFLAGS=-mod=readonly CGO_ENABLED=0
cd "$HERE" || exit 2
RTDIR=$(go list -m -f '{{.Dir}}' github.com/opencontainers/runtime-tools) || die "runtime-tools module"
[[ -d $RTDIR ]] || go mod download github.com/opencontainers/runtime-tools || die "go mod download"
RTDIR=$(go list -m -f '{{.Dir}}' github.com/opencontainers/runtime-tools)
mkdir -p "$BIN/validation" "$WORK"
log "building the validation programs (runtime-tools $(go list -m -f '{{.Version}}' github.com/opencontainers/runtime-tools))"
go build -o "$BIN/validation/" $(go list github.com/opencontainers/runtime-tools/validation/... | grep -v /validation/util) || die "build of the validation programs failed"
go build -o "$WORK/runtimetest" github.com/opencontainers/runtime-tools/cmd/runtimetest || die "build of runtimetest failed"
# The suite untars rootfs-<arch>.tar.gz from its working directory into each bundle.
cp "$RTDIR/rootfs-amd64.tar.gz" "$WORK/" && chmod u+w "$WORK/rootfs-amd64.tar.gz"

ALL=$(echo $(ls "$BIN/validation"))
TESTS=$(echo ${TESTS:-$ALL})
export TESTS WORK BIN OUT TIMEOUT ROOT

# The run's cgroups: one child of this process's own cgroup per hierarchy.
CG=gorunc-conformance-$$
while IFS=: read -r _ ctrls path; do
	if [[ -z $ctrls ]]; then
		mp=$(findmnt -rn -o TARGET -t cgroup2 | head -1)
	else
		key=${ctrls#name=}
		mp=$(findmnt -rn -o TARGET,OPTIONS -t cgroup | awk -v k="$key" '{n=split($2,o,","); for(i=1;i<=n;i++){sub(/^name=/,"",o[i]); if(o[i]==k){print $1; exit}}}')
	fi
	[[ -n $mp ]] || continue
	d=$mp${path%/}/$CG
	mkdir -p "$d" || die "mkdir $d"
	if [[ -f $d/cpuset.cpus ]]; then
		cat "$(dirname "$d")/cpuset.cpus" >"$d/cpuset.cpus"
		cat "$(dirname "$d")/cpuset.mems" >"$d/cpuset.mems"
	fi
	cgdirs+=("$d")
done </proc/self/cgroup

cleanup_cgroups() {
	local d p
	for d in "${cgdirs[@]}"; do
		# Any process still here was started by this run (a leaked container).
		for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	done
	sleep 0.5
	for d in "${cgdirs[@]}"; do
		[[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		[[ -d $d ]] && log "could not remove $d"
	done
}
trap cleanup_cgroups EXIT

log "runtimes: $RUNTIMES; $(wc -w <<<"$TESTS") test programs; timeout ${TIMEOUT}s each"
rts=()
for rt in $RUNTIMES; do
	case $rt in
	gorunc) rts+=(gorunc) ;;
	*) rts+=("$(command -v "$rt")") ;;
	esac
	for t in $TESTS; do rm -f "${OUT:?}/${rt##*/}/$t".{,first.}{tap,stderr,rc}; done
done
suite() { # runtimes... (TESTS from the environment)
	(
		for d in "${cgdirs[@]}"; do echo $BASHPID >"$d/cgroup.procs" || exit 3; done
		exec unshare -m -C --propagation private "$HERE/run.sh" --inner "$@"
	) || die "the suite did not run (status $?)"
}
suite "${rts[@]}"
fi

# ---------------------------------------------------------------- summary
# How the suite reports: "ok"/"not ok" lines, and, for the tests built on
# util.RuntimeOutsideValidate (hooks, poststart, ...), a bare YAML block
# {"error": ...} not attached to any test line followed by "1..0"; the
# *_fail tests print nothing and exit 1 on failure. Some programs print two
# TAP documents (plans are summed).
# A test program fully passes when it exited 0 within the timeout, with no
# "not ok", no bare error block, and as many "ok" as its plans announce
# (skips count as ok).
tapcount() { # file -> "ok notok bare plans"
	awk '
		/^ok [0-9]+/ { ok++; last = "test"; next }
		/^not ok [0-9]+/ { notok++; last = "test"; next }
		/^1\.\.[0-9]+/ { split($1, p, "."); plans += p[3]; last = "plan"; next }
		/^  ---$/ { inyaml = 1; attached = (last == "test"); next }
		/^  \.\.\.$/ { inyaml = 0; last = "yaml"; next }
		inyaml && !attached && /"error"/ { bare++ }
		inyaml { next }
		/^TAP version/ { last = "header"; next }
		/^#/ { next }
		{ if (last != "test") last = "other" } # a multi-line description continues its test line
		END { printf "%d %d %d %d\n", ok, notok, bare, plans }' "$1"
}
result() { # dir test -> "ok total status"
	local rc ok notok bare plans tot st=FAIL
	read -r rc _ <"$1/$2.rc"
	read -r ok notok bare plans < <(tapcount "$1/$2.tap")
	tot=$((ok + notok + bare))
	((plans > tot)) && tot=$plans
	if [[ $rc == 124 || $rc == 137 ]]; then
		st=HANG
	elif [[ $rc == 0 && $notok == 0 && $bare == 0 && $ok == "$tot" ]]; then
		st=PASS
	fi
	echo "$ok $tot $st"
}

names=()
for rt in $RUNTIMES; do names+=("${rt##*/}"); done

# A second run of an expected test that failed with gorunc: a program may
# race the container it tests (poststart, see expected-pass.txt; killsig
# has its client pacing, killsig-client.sh), and a loaded CI machine
# loses such a race now and then. A real regression fails both runs; the
# first run's files stay as <test>.first.* and the rerun is reported.
retried=()
if [[ -z ${SUMMARY_ONLY:-} && " ${names[*]} " == *" gorunc "* && -f $EXPECTED ]]; then
	for t in $(grep -vE '^(#|$)' "$EXPECTED"); do
		[[ " $TESTS " == *" $t "* ]] || continue
		read -r _ _ st < <(result "$OUT/gorunc" "$t")
		[[ $st == PASS ]] && continue
		for f in tap stderr rc; do mv "$OUT/gorunc/$t.$f" "$OUT/gorunc/$t.first.$f"; done
		retried+=("$t")
	done
	if ((${#retried[@]})); then
		log "running again with gorunc, after a failed first run: ${retried[*]}"
		TESTS="${retried[*]}" suite gorunc
	fi
fi
{
	printf '%-36s' test
	for n in "${names[@]}"; do printf ' %-16s' "$n"; done
	echo
	declare -A full
	for t in $TESTS; do
		printf '%-36s' "$t"
		for n in "${names[@]}"; do
			read -r ok tot st < <(result "$OUT/$n" "$t")
			printf ' %-16s' "$st $ok/$tot"
			[[ $st == PASS ]] && full[$n]=$((${full[$n]:-0} + 1))
		done
		echo
	done
	echo
	line=
	for n in "${names[@]}"; do
		line+="${line:+; }$n: ${full[$n]:-0} of $(wc -w <<<"$TESTS") fully passing"
	done
	echo "$line"
} | tee "$OUT/summary.txt"

# ---------------------------------------------------------------- gate
status=0
if [[ " ${names[*]} " == *" gorunc "* && -f $EXPECTED ]]; then
	while read -r t; do
		[[ -z $t || $t == \#* ]] && continue
		[[ " $TESTS " == *" $t "* || $TESTS == "$ALL" ]] || continue
		read -r _ _ st < <(result "$OUT/gorunc" "$t")
		if [[ $st != PASS && " ${retried[*]} " == *" $t "* ]]; then
			echo "REGRESSION: $t no longer fully passes with gorunc ($st twice, see $OUT/gorunc/$t.tap and $t.first.tap)"
			status=1
		elif [[ $st != PASS ]]; then
			echo "REGRESSION: $t no longer fully passes with gorunc ($st, see $OUT/gorunc/$t.tap)"
			status=1
		elif [[ " ${retried[*]} " == *" $t "* ]]; then
			read -r ok tot st < <(result "$OUT/gorunc" "$t.first")
			echo "RERUN: $t failed its first run ($st $ok/$tot, see $OUT/gorunc/$t.first.tap) and passed the second"
		fi
	done <"$EXPECTED"
	for t in $TESTS; do
		read -r _ _ st < <(result "$OUT/gorunc" "$t")
		if [[ $st == PASS ]] && ! grep -qx "$t" "$EXPECTED"; then
			echo "NEW PASS: $t now fully passes with gorunc: add it to tests/conformance/expected-pass.txt"
		fi
	done
fi
exit $status
