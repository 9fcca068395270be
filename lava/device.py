#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write a LAVA device configuration for a local QEMU worker.

usage: lava/device.py JOB.yaml > device.yaml

lava-run needs the device configuration that lava-server would render
from a device dictionary and its device-type template (qemu.jinja2).
Without a server (make lava-try) this writes the rendered form directly:
the QEMU command from the job's context the way lava-server's stock
qemu.jinja2 renders it for amd64 (no_kvm, memory, extra_options), the
serial console on QEMU's stdio, no network, and the constants the
dispatcher reads.  Only what devmem's jobs use is covered.
"""
import sys

import yaml


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        job = yaml.safe_load(f)
    ctx = job.get("context", {})
    if ctx.get("arch") not in ("amd64", "x86_64"):
        print("device.py: only arch amd64 is supported", file=sys.stderr)
        return 1
    # As lava-server's qemu.jinja2 renders an amd64 device: KVM unless
    # no_kvm, the serial console on stdio, "-m {memory}", the monitor off,
    # and the job's extra_options as "extra" (appended by the dispatcher).
    # The one difference: no network here ("-net none" for the template's
    # user-mode NIC), the guest needs none.
    options = [] if ctx.get("no_kvm") else ["-cpu host", "-enable-kvm"]
    options += [
        "-nographic",
        "-net none",
        "-m %s" % ctx.get("memory", 512),
        "-monitor none",
    ]
    extra = list(ctx.get("extra_options", []))
    device = {
        "device_type": "qemu",
        "available_architectures": ["amd64", "x86_64"],
        "constants": {
            "kernel-start-message": "Linux version [0-9]",
            "shutdown-message": "The system is going down for reboot NOW",
            "default-shell-prompt": "lava-test: # ",
            "spawn_maxread": 4092,
            "failure_retry": 1,
            "boot_retry": 1,
            "posix": {
                "lava_test_sh_cmd": "/bin/sh",
                "lava_test_results_dir": "/lava-%s",
                "lava_test_shell_file": "~/.bashrc",
            },
        },
        "commands": {},
        "parameters": {},
        "timeouts": {
            "actions": {},
            "connections": {},
        },
        "actions": {
            "deploy": {
                "connections": {"serial": None},
                "methods": {
                    "image": {
                        "parameters": {
                            "guest": {"size": 512, "interface": "ide"},
                        },
                    },
                },
            },
            "boot": {
                "connections": {"serial": None},
                "methods": {
                    "qemu": {
                        "parameters": {
                            "command": "qemu-system-x86_64",
                            "boot_options": {},
                            "options": options,
                            "extra": extra,
                        },
                    },
                },
            },
        },
    }
    yaml.safe_dump(device, sys.stdout, default_flow_style=False,
                   sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
