#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make nightly: one night of devmem CI.  See usage() or --help.
#
# For each kernel the configuration lists: build it if it changed
# (kernel/build.sh is cached: nothing changed is a cache hit), run the
# bench (and the stress workloads where configured) in a VM, store the
# run in the history; then regenerate the dashboard, write the night's
# KCIDB JSON, and compare each kernel's new run with its earlier runs.
#
# A night has an id (the UTC date unless --night); each kernel done in a
# night is recorded under HISTORY/.nightly/<id>/, so re-running a night
# after a failure runs only what did not finish and never stores a run
# twice.  An exclusive lock (flock) refuses a second night while one runs.
set -eu
. "$(dirname "$0")/lib.sh"

usage()
{
	cat <<EOT
usage: vm/nightly.sh [--config FILE] [--results DIR] [--dashboard DIR]
                     [--night ID] [--verdict-only]

  --config FILE    the kernels to follow and the settings
                   (vm/nightly.conf.example documents the format)
                                              [vm/nightly.conf if present]
  --results DIR    the history (runs)         [set results, results/runs]
  --dashboard DIR  the dashboard              [set dashboard, DIR/../dashboard]
  --night ID       this night's id, [A-Za-z0-9_.-]   [UTC date, YYYYMMDD]
  --verdict-only   run nothing: compare the newest run of every kernel in
                   the history with its earlier runs, exit as below
  -h, --help       this text

Exit status: 0 nothing regressed; 1 a kernel's newest run regressed
against its history (devmem-compare's verdict) or violated an invariant;
2 a kernel could not be built or run (re-run the same night to retry
it); 3 another night holds the lock; 4 bad configuration or usage.
EOT
}

config='' results='' dashboard='' night='' verdict_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--config)	config=${2?--config needs a value}; shift ;;
	--results)	results=${2?--results needs a value}; shift ;;
	--dashboard)	dashboard=${2?--dashboard needs a value}; shift ;;
	--night)	night=${2?--night needs a value}; shift ;;
	--verdict-only)	verdict_only=1 ;;
	-h|--help)	usage; exit 0 ;;
	*)		usage >&2; echo "nightly.sh: error: unknown option '$1'" >&2; exit 4 ;;
	esac
	shift
done

bad()
{
	echo "nightly.sh: error: $*" >&2
	exit 4
}

if [ -z "$config" ]; then
	[ -f "$DEVMEM_TOP/vm/nightly.conf" ] && config=$DEVMEM_TOP/vm/nightly.conf ||
		config=$DEVMEM_TOP/vm/nightly.conf.example
fi
[ -f "$config" ] || bad "--config: no such file: $config"

# The configuration: settings and kernels, checked before anything runs.
declare -A set_v=([bench_args]="-m devdax -M mem -a 2M -s 256M -n 10 -b 0"
	[accel]=tcg-icount [history]=5 [kcidb_origin]=devmem [kcidb_url]=''
	[results]='' [dashboard]='' [vm_args]='')
k_names=()
declare -A k_kind=() k_args=() k_stress=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	line=${line%%#*}
	read -r -a w <<< "$line" || true
	[ ${#w[@]} -gt 0 ] || continue
	where="$config:$lineno"
	case ${w[0]} in
	set)
		[ ${#w[@]} -ge 2 ] || bad "$where: set needs a key"
		[ -n "${set_v[${w[1]}]+x}" ] || bad "$where: unknown setting '${w[1]}' (${!set_v[*]})"
		set_v[${w[1]}]="${w[*]:2}"
		;;
	kernel)
		[ ${#w[@]} -ge 3 ] || bad "$where: kernel NAME KIND ARGS..."
		name=${w[1]}
		[[ $name =~ ^[A-Za-z0-9_.+-]{1,64}$ ]] || bad "$where: '$name' is not a kernel label"
		[ -z "${k_kind[$name]+x}" ] || bad "$where: kernel '$name' listed twice"
		case ${w[2]} in
		debian) [ ${#w[@]} = 4 ] || bad "$where: kernel NAME debian SPEC" ;;
		series) [ ${#w[@]} = 5 ] || bad "$where: kernel NAME series SERIES REV" ;;
		tree)	[ ${#w[@]} = 5 ] || bad "$where: kernel NAME tree DIR BRANCH" ;;
		*)	bad "$where: kind '${w[2]}' is not debian, series or tree" ;;
		esac
		k_names+=("$name")
		k_kind[$name]=${w[2]}
		k_args[$name]="${w[*]:3}"
		;;
	stress)
		[ ${#w[@]} -ge 3 ] || bad "$where: stress NAME WORKLOADS"
		k_stress[${w[1]}]="${w[*]:2}"
		;;
	*)
		bad "$where: '${w[0]}' is not set, kernel or stress"
		;;
	esac
done < "$config"
for s in "${!k_stress[@]}"; do
	[ -n "${k_kind[$s]+x}" ] || bad "$config: stress for an unknown kernel '$s'"
done
[ ${#k_names[@]} -gt 0 ] || [ $verdict_only = 1 ] || bad "$config: no kernel listed"
case ${set_v[accel]} in
tcg|tcg-icount|kvm|auto) ;;
*) bad "$config: accel '${set_v[accel]}' is not tcg, tcg-icount, kvm or auto" ;;
esac
[[ ${set_v[history]} =~ ^[1-9][0-9]?$ ]] || bad "$config: history '${set_v[history]}' is not 1..99"

[ -n "$results" ] || results=${set_v[results]:-$DEVMEM_TOP/results/runs}
mkdir -p "$results" || bad "--results: cannot create $results"
results=$(cd "$results" && pwd)
[ -n "$dashboard" ] || dashboard=${set_v[dashboard]:-$(dirname "$results")/dashboard}
[ -n "$night" ] || night=$(date -u +%Y%m%d)
[[ $night =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || bad "--night: '$night' is not [A-Za-z0-9_.-]"

build=${BUILD:-$DEVMEM_CACHE/build}
compare=$build/bench/devmem-compare
for b in devmem-compare devmem-dashboard devmem-kcidb; do
	[ -x "$build/bench/$b" ] || bad "no $build/bench/$b; run: make all"
done

state=$results/.nightly
mkdir -p "$state/$night"
exec 9> "$state/lock"
if ! flock -n 9; then
	echo "nightly.sh: another night is running (lock $state/lock held); not starting" >&2
	exit 3
fi

log()
{
	echo "nightly[$night]: $*" >&2
}

# run_key FILE: the kernel name and accel a run file belongs to, from its
# environment ("<name>\t<accel>"), or nothing for an unreadable file.
run_key()
{
	/usr/bin/python3 - "$1" <<'EOP' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
e = d["environment"]
print("%s\t%s" % (e["kernel"].get("name") or e["kernel"]["release"], e["accel"]))
EOP
}

# verdict FILE: compare FILE with up to `history` earlier runs of the same
# kernel and accel in the history (run by run).  0 no regression or no
# history yet, 1 regression, 2 unusable.
verdict()
{
	local new=$1 key old=() f rc txt

	key=$(run_key "$new") || return 2
	[ -n "$key" ] || return 2
	# The history sorted by file name (the runs are named by UTC time).
	# shellcheck disable=SC2012 # names made by run-bench/nightly: no odd characters
	for f in $(ls -1 "$results"/*.json 2>/dev/null | sort); do
		[ "$f" = "$new" ] && break
		[ "$(run_key "$f")" = "$key" ] && old+=("$f")
	done
	if [ ${#old[@]} = 0 ]; then
		log "$(basename "$new"): first run of ${key%%$'\t'*} (${key#*$'\t'}): no verdict"
		return 0
	fi
	[ ${#old[@]} -le "${set_v[history]}" ] ||
		old=("${old[@]:${#old[@]}-${set_v[history]}}")
	set +e
	txt=$state/$(basename "$new" .json).verdict.txt
	"$compare" "$(IFS=,; echo "${old[*]}")" "$new" > "$txt" 2>&1
	rc=$?
	set -e
	case $rc in
	0) log "$(basename "$new"): no regression against ${#old[@]} earlier runs" ;;
	1) log "$(basename "$new"): REGRESSION against ${#old[@]} earlier runs:"
	   sed 's/^/  /' "$txt" >&2 ;;
	*) log "$(basename "$new"): devmem-compare could not compare (exit $rc):"
	   sed 's/^/  /' "$txt" >&2; rc=2 ;;
	esac
	return $rc
}

if [ $verdict_only = 1 ]; then
	worst=0
	declare -A newest=()
	# shellcheck disable=SC2012 # names made by run-bench/nightly
	for f in $(ls -1 "$results"/*.json 2>/dev/null | sort); do
		k=$(run_key "$f") && [ -n "$k" ] && newest[$k]=$f
	done
	for k in "${!newest[@]}"; do
		set +e
		verdict "${newest[$k]}"
		rc=$?
		set -e
		[ $rc -le $worst ] || worst=$rc
	done
	exit $worst
fi

# kernel_dir NAME: build (or find) the kernel, print its dir.
kernel_dir()
{
	local name=$1 a wt commit
	read -r -a a <<< "${k_args[$name]}"

	case ${k_kind[$name]} in
	debian)
		resolve_kernel "${a[0]}"
		;;
	series)
		JOBS=${JOBS:-2} nice "$DEVMEM_TOP/kernel/build.sh" \
			--series "${a[0]}" --rev "${a[1]}" | tail -n 1
		;;
	tree)
		[ -d "${a[0]}/.git" ] || [ -f "${a[0]}/.git" ] ||
			{ warn "kernel $name: ${a[0]} is not a git tree"; return 1; }
		commit=$(git -C "${a[0]}" rev-parse --verify -q "${a[1]}^{commit}") ||
			{ warn "kernel $name: no branch '${a[1]}' in ${a[0]}"; return 1; }
		# A worktree of that commit in the cache: the user's tree is
		# never checked out or built in.
		wt=$DEVMEM_CACHE/nightly/trees/$name
		if [ -d "$wt" ]; then
			git -C "$wt" checkout -q --detach "$commit" >&2 || return 1
		else
			mkdir -p "$(dirname "$wt")"
			git -C "${a[0]}" worktree add -q --detach "$wt" "$commit" >&2 ||
				return 1
		fi
		echo "$commit" > "$state/$night/$name.commit"
		JOBS=${JOBS:-2} nice "$DEVMEM_TOP/kernel/build.sh" --ksrc "$wt" | tail -n 1
		;;
	esac
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
status=0
tonight=()
read -r -a bench_args <<< "${set_v[bench_args]}"
read -r -a vm_args <<< "${set_v[vm_args]}"
for name in "${k_names[@]}"; do
	done_file=$state/$night/$name.done
	if [ -f "$done_file" ]; then
		run=$(cat "$done_file")
		log "$name: done earlier this night ($(basename "$run")): not run again"
		[ -f "$run" ] && tonight+=("$run")
		continue
	fi
	log "$name: kernel (${k_kind[$name]} ${k_args[$name]})"
	if ! kdir=$(kernel_dir "$name") || [ -z "$kdir" ] || ! is_kernel_dir "$kdir"; then
		log "$name: FAILED to build or find the kernel; re-run this night to retry"
		status=2
		continue
	fi
	kname=$(basename "$kdir")
	kname=${kname//[^A-Za-z0-9_.+~-]/_}
	run=$results/$stamp-$kname-${set_v[accel]}.json
	part=$state/$night/$name.json.part
	rm -f "$part"
	log "$name: bench on $kname"
	set +e
	"$DEVMEM_TOP/vm/run-bench.sh" --kernel "$kdir" --out "$part" \
		--accel "${set_v[accel]}" "${vm_args[@]}" -- "${bench_args[@]}" >&2
	rc=$?
	set -e
	if [ ! -s "$part" ]; then
		log "$name: FAILED: the bench stored no results (exit $rc); re-run this night to retry"
		status=2
		continue
	fi
	# Into the history only whole, and only once (the done file is
	# written after the move; a crash in between leaves a run without a
	# done file, which the next try finds by its name).
	mv "$part" "$run"
	echo "$run" > "$done_file"
	tonight+=("$run")
	if [ "$rc" != 0 ]; then
		log "$name: the bench exited $rc (an invariant was violated: see the run)"
		[ $status -ge 1 ] || status=1
	fi
	if [ -n "${k_stress[$name]+x}" ]; then
		log "$name: stress ${k_stress[$name]}"
		set +e
		"$DEVMEM_TOP/vm/run-stress.sh" --kernel "$kdir" \
			--workloads "${k_stress[$name]// /,}" \
			--out-dir "$state/$night/stress-$name" >&2
		rc=$?
		set -e
		[ "$rc" = 0 ] || { log "$name: stress exited $rc"; [ $status -ge 1 ] || status=1; }
	fi
done

# The dashboard of the whole history.
mkdir -p "$dashboard"
if "$build/bench/devmem-dashboard" --out "$dashboard" \
	--index "$dashboard/index.json" --history "${set_v[history]}" \
	"$results" >&2; then
	log "dashboard: $dashboard/index.html"
else
	log "dashboard: devmem-dashboard failed"
	[ $status -ge 2 ] || status=2
fi

# Tonight's KCIDB report: one file per run, the checkout from the
# kernel's tree where the configuration names one.
for run in "${tonight[@]}"; do
	args=(--origin "${set_v[kcidb_origin]}")
	[ -z "${set_v[kcidb_url]}" ] || args+=(--url-prefix "${set_v[kcidb_url]}")
	for name in "${k_names[@]}"; do
		[ "$(cat "$state/$night/$name.done" 2>/dev/null)" = "$run" ] || continue
		case ${k_kind[$name]} in
		tree)
			read -r -a a <<< "${k_args[$name]}"
			args+=(--branch "${a[1]}")
			[ -f "$state/$night/$name.commit" ] &&
				args+=(--commit "$(cat "$state/$night/$name.commit")")
			url=$(git -C "${a[0]}" remote get-url origin 2>/dev/null || true)
			[[ $url == https://* ]] && args+=(--git-url "$url")
			args+=(--config-fragment kernel/configs/guest.config)
			;;
		series)
			# KCIDB's patchset hash: sha256 over the sha256 lines
			# of the revision's patches in order (its cover
			# letter, not a patch, left out).
			read -r -a a <<< "${k_args[$name]}"
			ph=$(find "$DEVMEM_TOP/kernel/patches/${a[0]}/${a[1]}" -maxdepth 1 \
				-name '*.patch' ! -name '*cover-letter*' | LC_ALL=C sort |
				xargs -r sha256sum | cut -c-64 | sha256sum | cut -c-64)
			args+=(--patchset-hash "$ph" --config-fragment kernel/configs/guest.config)
			;;
		esac
	done
	out=$state/$night/$(basename "$run" .json).kcidb.json
	if ! "$build/bench/devmem-kcidb" "${args[@]}" -o "$out" "$run"; then
		log "KCIDB: devmem-kcidb failed on $(basename "$run")"
		[ $status -ge 2 ] || status=2
	fi
done
if [ ${#tonight[@]} -gt 0 ]; then
	log "KCIDB: $state/$night/*.kcidb.json"
fi

# The verdict of each kernel's run of tonight against its history.
for run in "${tonight[@]}"; do
	set +e
	verdict "$run"
	rc=$?
	set -e
	[ $rc -le $status ] || status=$rc
done
log "exit $status"
exit $status
