#!/usr/bin/env python3
"""Convert a Docker/moby seccomp profile (profiles/seccomp/default.json format, with
archMap and per-rule includes/excludes) into the OCI runtime-spec `linux.seccomp` object.

Resolution follows moby's profiles/seccomp/seccomp_linux.go (setupSeccomp):
  * architectures: the archMap entry for the target arch plus its subArchitectures;
  * a rule is dropped when
      - excludes.arches contains the arch, or excludes.caps shares a cap with CAPS,
        or excludes.minKernel <= KERNEL;
      - includes.arches is set and lacks the arch, or includes.caps is set and not
        every listed cap is in CAPS, or includes.minKernel > KERNEL;
  * kept rules become {names, action, [errnoRet], [args]} ("comment" is dropped).

Usage:
  docker-to-oci.py [-i moby-default.json] [-o docker-default.json] [--arch amd64]
                   [--kernel 6.1] [--caps CAP_A,CAP_B | --add-caps CAP_X,...]
Defaults: input/output next to this script, amd64, kernel 6.1, Docker's default caps.
"""
import argparse
import json
import os
import sys

# moby oci/caps/defaults.go DefaultCapabilities()
DOCKER_DEFAULT_CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]

# Go arch name -> libseccomp native arch (moby's nativeToSeccomp)
NATIVE = {
    "amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64", "386": "SCMP_ARCH_X86",
    "arm": "SCMP_ARCH_ARM", "mips64": "SCMP_ARCH_MIPS64", "mips64le": "SCMP_ARCH_MIPSEL64",
    "ppc64le": "SCMP_ARCH_PPC64LE", "s390x": "SCMP_ARCH_S390X", "riscv64": "SCMP_ARCH_RISCV64",
}


def kver(s):
    parts = [int(x) for x in s.split(".")[:2]]
    return tuple(parts + [0] * (2 - len(parts)))


def keep(rule, arch, caps, kernel):
    ex = rule.get("excludes") or {}
    if arch in (ex.get("arches") or []):
        return False
    if any(c in caps for c in (ex.get("caps") or [])):
        return False
    if ex.get("minKernel") and kernel >= kver(ex["minKernel"]):
        return False
    inc = rule.get("includes") or {}
    if inc.get("arches") and arch not in inc["arches"]:
        return False
    if inc.get("caps") and not all(c in caps for c in inc["caps"]):
        return False
    if inc.get("minKernel") and kernel < kver(inc["minKernel"]):
        return False
    return True


def convert(profile, arch, caps, kernel):
    native = NATIVE[arch]
    arches = []
    for a in profile.get("archMap") or []:
        if a["architecture"] == native:
            arches = [a["architecture"]] + list(a.get("subArchitectures") or [])
    out = {"defaultAction": profile["defaultAction"]}
    if "defaultErrnoRet" in profile:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    out["architectures"] = arches
    rules = []
    for r in profile.get("syscalls") or []:
        if not keep(r, arch, caps, kernel):
            continue
        names = list(r.get("names") or ([r["name"]] if r.get("name") else []))
        o = {"names": names, "action": r["action"]}
        if r.get("errnoRet") is not None:
            o["errnoRet"] = r["errnoRet"]
        if r.get("args"):
            o["args"] = [{k: a[k] for k in ("index", "value", "valueTwo", "op") if k in a} for a in r["args"]]
        rules.append(o)
    out["syscalls"] = rules
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-i", "--input", default=os.path.join(here, "moby-default.json"))
    ap.add_argument("-o", "--output", default=os.path.join(here, "docker-default.json"),
                    help="'-' for stdout")
    ap.add_argument("--arch", default="amd64", choices=sorted(NATIVE))
    ap.add_argument("--kernel", default="6.1")
    ap.add_argument("--caps", help="comma-separated cap set (replaces Docker's defaults)")
    ap.add_argument("--add-caps", default="", help="comma-separated caps added to the set")
    a = ap.parse_args()
    caps = set(a.caps.split(",") if a.caps else DOCKER_DEFAULT_CAPS)
    caps |= {c for c in a.add_caps.split(",") if c}
    with open(a.input) as f:
        profile = json.load(f)
    out = convert(profile, a.arch, caps, kver(a.kernel))
    text = json.dumps(out, indent=2) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w") as f:
            f.write(text)
    n = sum(len(r["names"]) for r in out["syscalls"])
    print(f"{len(out['syscalls'])} rules, {n} syscall names, arches {out['architectures']}", file=sys.stderr)


if __name__ == "__main__":
    main()
