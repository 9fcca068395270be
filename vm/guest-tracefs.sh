#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the devmem guest (vm/run-tracefs.sh), in /devmem: does
# devmem-bench leave someone else's use of tracefs alone?
#  1. A user traces an event (sched_switch) at the top level and has put a
#     marker in the buffer; a short devmem-bench runs.  Where the kernel
#     offers function_graph in instances (6.12) the bench traces in its own
#     instance; where not (6.1) it must run with "tracing none" and say
#     why.  Either way the event stays enabled, the buffer keeps the
#     marker and the first event, and every setting is as it was.
#  2. Idle tracefs: the bench traces (phases in its table) and puts every
#     setting back.
#  3. A user's own function_graph trace at the top level (its filter, the
#     global funcgraph options): on 6.12 the bench traces in its instance
#     without changing them, on 6.1 it runs with "tracing none".
#  4. A run killed by SIGKILL while tracing (in an instance on 6.12, at the
#     top level on 6.1): it leaves its traces; devmem-bench --cleanup puts
#     every setting back and leaves no instance or saved state.
# Prints KTAP; exits 1 when a check failed.

T=/sys/kernel/tracing
n=0 failed=0
BENCH="./devmem-bench -m devdax -M mem -a 2M -s 256M -n 2 -w 0 -b 0"

echo "1..18"

result()
{
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n tracefs.$2"
	else
		failed=$((failed + 1))
		echo "not ok $n tracefs.$2${3:+ # $3}"
	fi
}

skip()
{
	n=$((n + 1))
	echo "ok $n tracefs.$1 # SKIP $2"
}

# Every setting a tracer user could care about, one per line.
snap()
{
	for f in current_tracer tracing_on set_ftrace_filter set_ftrace_pid \
		 set_ftrace_notrace set_graph_function set_graph_notrace \
		 max_graph_depth tracing_thresh trace_clock buffer_size_kb \
		 events/enable set_event set_event_pid \
		 events/sched/sched_switch/enable; do
		[ -e "$T/$f" ] && printf '%s=%s\n' "$f" "$(tr '\n' ' ' < "$T/$f")"
	done
	for f in "$T"/options/*; do
		printf '%s=%s\n' "${f#"$T"/}" "$(cat "$f")"
	done
	printf 'instances='
	for f in "$T"/instances/*; do
		[ -e "$f" ] && printf '%s ' "${f##*/}"
	done
	echo
}

same_settings()
{
	snap > /tmp/tracefs.after
	if cmp -s /tmp/tracefs.before /tmp/tracefs.after; then
		result 0 "$1"
	else
		diff /tmp/tracefs.before /tmp/tracefs.after | sed 's/^/# /'
		result 1 "$1" "settings differ"
	fi
}

[ -e "$T/current_tracer" ] || mount -t tracefs nodev "$T" 2>/dev/null
if [ ! -w "$T/current_tracer" ]; then
	echo "# no writable tracefs at $T"
	exit 1
fi
mkdir "$T/instances/devmem-probe-$$" 2>/dev/null
if grep -qw function_graph "$T/instances/devmem-probe-$$/available_tracers" \
	2>/dev/null; then
	instance=1
else
	instance=0
fi
rmdir "$T/instances/devmem-probe-$$" 2>/dev/null
echo "# $(uname -r): function_graph in instances: $([ $instance = 1 ] && echo yes || echo no)"

# 1. Someone else's event tracing.
echo 1 > "$T/events/sched/sched_switch/enable"
marker="devmem-user-marker-$$"
echo "$marker" > "$T/trace_marker"
sleep 1
first=$(grep -v '^#' "$T/trace" | grep sched_switch | head -n 1)
snap > /tmp/tracefs.before
$BENCH > /tmp/bench1.out 2>&1
rc=$?
sed 's/^/# /' /tmp/bench1.out | grep -E 'tracing|phase|busy'
result $rc user_events.bench_runs "exit $rc"
if [ $instance = 1 ]; then
	grep -q 'tracing function_graph' /tmp/bench1.out
	result $? user_events.traced_in_own_instance
else
	grep -q 'tracing none' /tmp/bench1.out &&
		grep -q 'tracefs is busy: events are enabled' /tmp/bench1.out
	result $? user_events.tracing_none_with_reason
fi
same_settings user_events.settings_unchanged
grep -q "$marker" "$T/trace"
result $? user_events.marker_kept
[ -n "$first" ] && grep -qF "$first" "$T/trace"
result $? user_events.first_event_kept "overrun: $(grep -h overrun "$T"/per_cpu/cpu*/stats | tr '\n' ' ')"
[ "$(cat "$T/events/sched/sched_switch/enable")" = 1 ]
result $? user_events.event_still_enabled
echo 0 > "$T/events/sched/sched_switch/enable"
: > "$T/trace"

# 2. Idle tracefs.
snap > /tmp/tracefs.before
$BENCH > /tmp/bench2.out 2>&1
rc=$?
result $rc idle.bench_runs "exit $rc"
grep -q 'tracing function_graph' /tmp/bench2.out
result $? idle.traced
grep -q 'memmap_init_zone_device' /tmp/bench2.out
result $? idle.phases_in_table
same_settings idle.settings_unchanged

# 3. Someone else's function_graph at the top level.
echo schedule > "$T/set_ftrace_filter"
echo function_graph > "$T/current_tracer"
snap > /tmp/tracefs.before
$BENCH > /tmp/bench4.out 2>&1
rc=$?
sed 's/^/# /' /tmp/bench4.out | grep -E 'tracing|busy|sleep-time'
result $rc graph_user.bench_runs "exit $rc"
if [ $instance = 1 ]; then
	grep -q 'tracing function_graph' /tmp/bench4.out
	result $? graph_user.traced_in_own_instance
	grep -q 'memmap_init_zone_device' /tmp/bench4.out
	result $? graph_user.phases_in_table
else
	grep -q 'tracing none' /tmp/bench4.out &&
		grep -q 'current_tracer is function_graph' /tmp/bench4.out
	result $? graph_user.tracing_none_with_reason
	skip graph_user.phases_in_table "no function_graph in instances"
fi
same_settings graph_user.settings_unchanged
echo nop > "$T/current_tracer"
: > "$T/set_ftrace_filter"
: > "$T/trace"

# 4. Killed by SIGKILL while tracing, then devmem-bench --cleanup.
snap > /tmp/tracefs.before
./devmem-bench -m devdax -M mem -a 2M -s 256M -n 100 -w 0 -b 0 \
	> /tmp/bench3.out 2>&1 &
bp=$!
# Until its tracing is set up (function_graph on, in its instance or at
# the top level; slow under a loaded TCG), at most 120 s.
i=0
where=$T
[ $instance = 1 ] && where=$T/instances/devmem-$bp
while [ $i -lt 600 ] && kill -0 $bp 2> /dev/null &&
      [ "$(cat "$where/current_tracer" 2> /dev/null)" != function_graph ]; do
	sleep 0.2
	i=$((i + 1))
done
if [ $instance = 1 ]; then
	[ -d "$T/instances/devmem-$bp" ] &&
		[ "$(cat "$T/instances/devmem-$bp/current_tracer")" = function_graph ] &&
		[ "$(cat "$T/current_tracer")" = nop ]
	result $? killed.traced_in_instance_not_top "top: $(cat "$T/current_tracer"), after $((i / 5)) s"
else
	[ "$(cat "$T/current_tracer")" = function_graph ]
	result $? killed.traced_at_top_level "top: $(cat "$T/current_tracer"), after $((i / 5)) s"
fi
kill -9 $bp 2> /dev/null
wait $bp
[ -e /run/devmem/trace-$bp.saved ]
result $? killed.state_saved
if ./devmem-bench --help 2>&1 | grep -q -- '--cleanup'; then
	./devmem-bench --cleanup 2>&1 | sed 's/^/# /'
	same_settings killed.cleanup_restores_settings
	! ls /run/devmem/trace-*.saved > /dev/null 2>&1 &&
		! ls -d "$T"/instances/devmem-* > /dev/null 2>&1
	result $? killed.cleanup_leaves_nothing
else
	skip killed.cleanup_restores_settings "devmem-bench has no --cleanup"
	skip killed.cleanup_leaves_nothing "devmem-bench has no --cleanup"
fi
[ "$failed" = 0 ]
