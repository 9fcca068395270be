#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of vm/check-cxl.sh (busybox sh, in a guest booted with
# vm/run.sh --cxl-pmem 1): CXL pmem regions created and destroyed with the
# cxl tool, KTAP on stdout.
#
#   1 the check sees a live region (positive control of the "clean" check)
#   2 CYCLES x destroy + create the region of the first memory device:
#     after each destroy no CXL region device, no decoder bound to a
#     region, no DPA left allocated, no region in /proc/iomem, no nd
#     region on the CXL bus; after each create all of them back
#   3 a devdax namespace on the re-created region (create, destroy)
#   4 the kernel logged no WARNING, BUG or Oops
#   5 volatile CXL (ram region): needs QEMU >= 8.0, SKIP with the reason
#     on an older one
#
# Usage (in the guest): sh guest-cxl-cycle.sh [CYCLES]   (default 10)

cycles=${1:-10}
case $cycles in
''|*[!0-9]*) echo "guest-cxl-cycle.sh: error: CYCLES '$cycles' is not a number" >&2; exit 2 ;;
esac
CXL=/sys/bus/cxl/devices
nr=0 failed=0

result()
{
	nr=$((nr + 1))
	if [ "$1" = ok ]; then
		echo "ok $nr $2"
	elif [ "$1" = skip ]; then
		echo "ok $nr $2 # SKIP $3"
	else
		echo "not ok $nr $2"
		[ -z "$3" ] || echo "# $3"
		failed=1
	fi
}

# leftovers: what is live of the pmem device's region (the lines naming a
# region, decoder or memdev of the other devices, a ram region made by
# --cxl-ram, are left out: grep -v -w -E "$others").
leftovers()
{
	if [ -n "$others" ]; then
		leftovers_all | grep -v -w -E "$others"
	else
		leftovers_all
	fi
}

# What is left of CXL regions: one line per leftover, nothing when clean.
leftovers_all()
{
	for r in "$CXL"/region[0-9]*; do
		[ -e "$r" ] && echo "region device ${r##*/}"
	done
	for d in "$CXL"/decoder[0-9]*.[0-9]*; do
		[ -e "$d" ] || continue
		[ -r "$d/region" ] && [ -n "$(cat "$d/region")" ] &&
			echo "${d##*/} bound to $(cat "$d/region")"
		[ -r "$d/dpa_size" ] &&
			[ -n "$(sed 's/^0x0*//' "$d/dpa_size")" ] &&
			echo "${d##*/} holds DPA $(cat "$d/dpa_size")"
	done
	grep -E '^ +[0-9a-f]+-[0-9a-f]+ : region[0-9]+$' /proc/iomem |
		sed 's/^ */iomem: /'
	for r in /sys/bus/nd/devices/region*; do
		[ -e "$r" ] || continue
		[ "$(cat "$(dirname "$(readlink -f "$r")")/provider" 2>/dev/null)" = CXL ] &&
			echo "nd ${r##*/} on the CXL bus"
	done
}

# endpoint_of MEMDEV: its endpoint port (endpointN, whose uport is it;
# the port is a child of its parent port, not of the memdev).
endpoint_of()
{
	for e in "$CXL"/endpoint[0-9]*; do
		[ "$(readlink -f "$e/uport")" = "$(readlink -f "$CXL/$1")" ] &&
			{ echo "${e##*/}"; return 0; }
	done
	return 1
}

# region_of_ep MEMDEV: the region its endpoint decoders are bound to.
region_of_ep()
{
	ep=$(endpoint_of "$1") || return 0
	for d in "$CXL/$ep"/decoder*; do
		[ -r "$d/region" ] && [ -n "$(cat "$d/region")" ] &&
			{ cat "$d/region"; return; }
	done
}

# The region of memory device $1 (regionN), empty if none.
region_of()
{
	r=$(region_of_ep "$1")
	[ -n "$r" ] && { echo "$r"; return; }
	# no endpoint port found: search every endpoint decoder (alone)
	[ -z "$others" ] || return 0
	for d in "$CXL"/decoder[0-9]*.[0-9]*; do
		{ [ -r "$d/dpa_size" ] && [ -r "$d/region" ]; } || continue
		[ -n "$(cat "$d/region")" ] && { cat "$d/region"; return; }
	done
}

echo "KTAP version 1"
echo "1..5"
dmesg -c > /dev/null 2>&1

# shellcheck disable=SC2012 # busybox find has no -printf; the names are memN
# The first device with persistent capacity (a --cxl-ram device has none).
mem=
for m in $(cd "$CXL" 2>/dev/null && ls -d mem[0-9]* 2>/dev/null); do
	[ "$(cat "$CXL/$m/pmem/size" 2>/dev/null)" = 0x0 ] && continue
	[ -r "$CXL/$m/pmem/size" ] || continue
	mem=$m
	break
done
# The other devices' regions and endpoint decoders, which the cycles of
# $mem must leave alone.
others=
for m in $(cd "$CXL" 2>/dev/null && ls -d mem[0-9]* 2>/dev/null); do
	[ "$m" = "$mem" ] && continue
	r=$(region_of_ep "$m")
	ep=$(endpoint_of "$m") || ep=none
	for d in "$CXL/$ep"/decoder*; do
		[ -e "$d" ] && others="$others${others:+|}${d##*/}"
	done
	[ -n "$r" ] && others="$others${others:+|}$r"
done
if [ -z "$mem" ]; then
	echo "# no CXL memory device (boot with vm/run.sh --cxl-pmem 1)"
	for t in live_region_seen region_cycles namespace_on_region no_kernel_warnings; do
		result skip "$t" "no CXL memory device"
	done
else
	region=$(region_of "$mem")
	root=
	for d in $(cd "$CXL" && ls -d decoder0.[0-9]*); do
		root=$d
		break
	done
	echo "# $mem: region '${region:-none}', root decoder $root"
	# 1: the positive control
	if [ -n "$region" ] && [ -n "$(leftovers)" ]; then
		result ok live_region_seen
	else
		result fail live_region_seen "the guest init made no region for $mem, or the check does not see it"
	fi

	# 2: destroy + create cycles
	bad='' i=0
	while [ $i -lt "$cycles" ] && [ -z "$bad" ]; do
		i=$((i + 1))
		r=$(region_of "$mem")
		if [ -n "$r" ]; then
			cxl disable-region "$r" > /dev/null 2>&1 ||
				{ bad="cycle $i: cxl disable-region $r failed"; break; }
			cxl destroy-region "$r" > /dev/null 2>&1 ||
				{ bad="cycle $i: cxl destroy-region $r failed"; break; }
		fi
		left=$(leftovers)
		[ -z "$left" ] || { bad="cycle $i after destroy: $(echo "$left" | head -n 3 | tr '\n' ';')"; break; }
		made=
		for d in $(cd "$CXL" && ls -d decoder0.[0-9]*); do
			cxl create-region -m -t pmem -d "$d" -w 1 "$mem" > /dev/null 2>&1 &&
				{ made=$d; break; }
		done
		[ -n "$made" ] || { bad="cycle $i: cxl create-region failed under every root decoder"; break; }
		tries=0
		until leftovers | grep -q '^nd ' || [ $tries -ge 20 ]; do
			tries=$((tries + 1))
			sleep 0.2
		done
		left=$(leftovers)
		for want in 'region device' 'bound to' 'holds DPA' 'iomem:' '^nd '; do
			echo "$left" | grep -q "$want" ||
				{ bad="cycle $i after create: no '$want' ($(echo "$left" | tr '\n' ';'))"; break; }
		done
	done
	if [ -z "$bad" ]; then
		result ok region_cycles
		echo "# $cycles destroy/create cycles of the $mem region, clean after every destroy"
	else
		result fail region_cycles "$bad"
	fi

	# 3: a namespace on the re-created region
	nd=$(leftovers | sed -n 's/^nd \(region[0-9]*\) .*/\1/p' | head -n 1)
	if [ -z "$nd" ]; then
		result fail namespace_on_region "no nd region on the CXL bus"
	elif ndctl create-namespace -r "$nd" -m devdax -a 2M -s 256M -n devmem-cxl-check > /tmp/ns.json 2>&1; then
		ns=$(sed -n 's/.*"dev":"\(namespace[0-9.]*\)".*/\1/p' /tmp/ns.json | head -n 1)
		if [ -n "$ns" ] && ndctl destroy-namespace -f "$ns" > /dev/null 2>&1; then
			result ok namespace_on_region
		else
			result fail namespace_on_region "destroying ${ns:-the namespace} on $nd failed"
		fi
	else
		result fail namespace_on_region "ndctl create-namespace on $nd: $(head -n 2 /tmp/ns.json | tr '\n' ' ')"
	fi

	# 4
	warn=$(dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace' | head -n 2)
	if [ -z "$warn" ]; then
		result ok no_kernel_warnings
	else
		result fail no_kernel_warnings "$warn"
	fi
fi

# 5: volatile CXL
qv=${DEVMEM_QEMU_VERSION:-unknown}
if [ "${DEVMEM_CXL_RAM:-0}" -gt 0 ] 2>/dev/null; then
	# the ram region guest init made, left alone by the cycles above,
	# and its dax device (dax_cxl)
	dax=
	for d in /sys/bus/dax/devices/dax*; do
		[ -e "$d" ] || continue
		case $(readlink -f "$d") in
		*/region[0-9]*/dax_region*) dax=${d##*/} ;;
		esac
	done
	if [ -n "$dax" ]; then
		result ok volatile_region
		echo "# $dax on the CXL ram region ($(cat "/sys/bus/dax/devices/$dax/size" 2>/dev/null) bytes)"
	else
		all=
		for d in /sys/bus/dax/devices/*; do
			[ -e "$d" ] && all="$all ${d##*/}"
		done
		result fail volatile_region "no dax device under a CXL ram region (dax devices:${all:- none})"
	fi
else
	result skip volatile_region "volatile CXL (cxl-type3 volatile-memdev) needs QEMU >= 8.0; this run has QEMU $qv (vm/run.sh --cxl-ram exits 4 on an older QEMU)"
fi
echo "# Totals: see the results above"
exit $failed
