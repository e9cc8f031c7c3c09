"""The first slice of checks: namespaces, ids, caps, env, rlimits, default and
extra mounts, masked/readonly paths, devices, sysctl, hooks, lifecycle, errors."""
import json
import os
import subprocess
import time

from .harness import use_userns, CG_PARENT, check_facts, eqf, expected_caps, mount_has, wait_status


def t_default(h, t):
    masked = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/acpi", "/proc/scsi",
              "/sys/firmware", "/proc/sched_debug"]
    ro = ["/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"]
    devs = {"/dev/null": (1, 3), "/dev/zero": (1, 5), "/dev/full": (1, 7),
            "/dev/random": (1, 8), "/dev/urandom": (1, 9), "/dev/tty": (5, 0)}
    links = ["/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/ptmx"]
    mounts = ["/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"] + ro
    args = (["facts", "env", "create:/conf-rootfile", "write:/dev/null", "write:/proc/sysrq-trigger",
             "write:/proc/sys/kernel/domainname"]
            + ["mount:" + m for m in mounts] + ["masked:" + m for m in masked]
            + ["stat:" + d for d in devs] + ["link:" + l for l in links])
    f, cfg, _ = h.run("default", None, args)
    p = cfg["process"]
    check_facts(t, "ns.pid.process_is_pid1", f, eqf("pid", "1"))
    for ns in ["pid", "net", "ipc", "uts", "mnt", "cgroup"]:
        check_facts(t, f"ns.{ns}.new_namespace", f,
                    lambda f, ns=ns: (f["ns." + ns] != h.host["ns." + ns],
                                      f"ns.{ns} {f['ns.' + ns]} same as host"))
    check_facts(t, "ns.user.not_requested_shares_host", f,
                lambda f: (f["ns.user"] == h.host["ns.user"], "user ns differs from host"))
    check_facts(t, "ns.user.identity_uid_map", f, eqf("uid_map", "0 0 4294967295"))
    check_facts(t, "hostname", f, eqf("hostname", cfg["hostname"]))
    exp = expected_caps(p)
    for k in ["CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"]:
        check_facts(t, f"caps.default.{k}", f, eqf(k, exp[k], lambda v: int(v, 16)))
    check_facts(t, "process.noNewPrivileges.true", f, eqf("NoNewPrivs", "1"))
    check_facts(t, "process.no_seccomp_when_unset", f, eqf("Seccomp", "0"))
    check_facts(t, "process.rlimits.NOFILE", f, eqf("rlimit.RLIMIT_NOFILE", "1024 1024"))
    check_facts(t, "process.user.uid0", f, eqf("Uid", "0 0 0 0"))
    check_facts(t, "process.user.gid0", f, eqf("Gid", "0 0 0 0"))
    check_facts(t, "process.cwd.root", f, eqf("cwd", "/"))
    for e in p["env"]:
        k, _, v = e.partition("=")
        check_facts(t, f"process.env.{k}", f, eqf("env." + k, v))
    check_facts(t, "root.readonly.create_fails_EROFS", f, eqf("create./conf-rootfile", "ERR:EROFS"))
    check_facts(t, "root.readonly.mount_ro", f, mount_has("/", opts=["ro"]))
    check_facts(t, "mounts.proc", f, mount_has("/proc", "proc"))
    check_facts(t, "mounts.dev.tmpfs_opts", f,
                mount_has("/dev", "tmpfs", ["nosuid"], ["mode=755", "size=65536k"]))
    check_facts(t, "mounts.dev_pts.devpts_opts", f,
                mount_has("/dev/pts", "devpts", ["nosuid", "noexec"], ["mode=620", "ptmxmode=666", "gid=5"]))
    check_facts(t, "mounts.dev_shm.tmpfs_opts", f,
                mount_has("/dev/shm", "tmpfs", ["nosuid", "noexec", "nodev"], ["size=65536k"]))
    check_facts(t, "mounts.dev_mqueue", f,
                mount_has("/dev/mqueue", "mqueue", ["nosuid", "noexec", "nodev"]))
    check_facts(t, "mounts.sys.sysfs_ro", f,
                mount_has("/sys", "sysfs", ["ro", "nosuid", "noexec", "nodev"]))
    for m in masked:
        name = f"linux.maskedPaths.{m}"
        if not os.path.exists(m):
            t.skip(name, "absent on host")
            continue
        check_facts(t, name, f, lambda f, m=m: (f["masked." + m] in ("file:0", "dir:0"),
                                                 f"{m}: {f['masked.' + m]} (want empty)"))
    for m in ro:
        if not os.path.exists(m):
            t.skip(f"linux.readonlyPaths.{m}", "absent on host")
            continue
        check_facts(t, f"linux.readonlyPaths.{m}", f, mount_has(m, opts=["ro"]))
    if os.path.exists("/proc/sysrq-trigger"):
        check_facts(t, "linux.readonlyPaths.write_sysrq_EROFS", f,
                    eqf("write./proc/sysrq-trigger", "ERR:EROFS"))
    else:
        t.skip("linux.readonlyPaths.write_sysrq_EROFS", "absent on host")
    check_facts(t, "linux.readonlyPaths.write_proc_sys_EROFS", f,
                eqf("write./proc/sys/kernel/domainname", "ERR:EROFS"))
    for d, (ma, mi) in devs.items():
        check_facts(t, f"devices.default.{d}", f,
                    lambda f, d=d, ma=ma, mi=mi: (f["stat." + d].split()[:4] == ["c", str(ma), str(mi), "0666"],
                                                  f"{d}: {f['stat.' + d]}, want c {ma} {mi} 0666"))
    check_facts(t, "devices.default.dev_null_writable", f, eqf("write./dev/null", "OK"))
    want_links = {"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0",
                  "/dev/stdout": "/proc/self/fd/1", "/dev/stderr": "/proc/self/fd/2"}
    check_facts(t, "devices.default.fd_symlinks", f,
                lambda f: (all(f["link." + k] == v for k, v in want_links.items()),
                           str({k: f["link." + k] for k in want_links})))
    check_facts(t, "devices.default.ptmx", f,
                lambda f: (f["link./dev/ptmx"] in ("pts/ptmx", "/dev/pts/ptmx"),
                           f"/dev/ptmx -> {f['link./dev/ptmx']}"))
    check_facts(t, "ns.cgroup.root_is_container_cgroup", f,
                lambda f: (all(l.endswith(":/") for l in f["cgroup"].split(";")), f["cgroup"]))


def t_user(h, t):
    def mut(c, b):
        p = c["process"]
        p["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 0o027}
        p["cwd"] = "/home/user"
        p["env"] = p["env"] + ["FOO=bar", "WITH_EQ=a=b=c", "EMPTY="]
        p["noNewPrivileges"] = False
        p["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
                        {"type": "RLIMIT_NPROC", "soft": 2048, "hard": 4096},
                        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
                        {"type": "RLIMIT_MSGQUEUE", "soft": 4096, "hard": 8192}]
        p["oomScoreAdj"] = 123
        p["capabilities"] = {
            "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_SETGID", "CAP_AUDIT_WRITE"],
            "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID"],
            "inheritable": ["CAP_KILL", "CAP_SETUID"],
            "effective": ["CAP_CHOWN", "CAP_KILL"],
            "ambient": ["CAP_KILL"]}
        c["root"]["readonly"] = False
        c["hostname"] = "conf-host"
        c["domainname"] = "conf.example"
    f, cfg, _ = h.run("user", mut, ["facts", "env", "create:/tmp/conf-user-file"])
    check_facts(t, "process.user.uid", f, eqf("Uid", "1000 1000 1000 1000"))
    check_facts(t, "process.user.gid", f, eqf("Gid", "1000 1000 1000 1000"))
    check_facts(t, "process.user.additionalGids", f, eqf("Groups", "10 20"))
    check_facts(t, "process.user.umask", f, eqf("Umask", "0027"))
    check_facts(t, "process.cwd", f, eqf("cwd", "/home/user"))
    check_facts(t, "process.env.custom", f, eqf("env.FOO", "bar"))
    check_facts(t, "process.env.value_with_equals", f, eqf("env.WITH_EQ", "a=b=c"))
    check_facts(t, "process.env.empty_value", f, eqf("env.EMPTY", ""))
    check_facts(t, "process.noNewPrivileges.false", f, eqf("NoNewPrivs", "0"))
    for r in cfg["process"]["rlimits"]:
        check_facts(t, f"process.rlimits.{r['type'][7:]}.nonroot", f,
                    eqf("rlimit." + r["type"], f"{r['soft']} {r['hard']}"))
    check_facts(t, "process.oomScoreAdj", f, eqf("oom_score_adj", "123"))
    exp = expected_caps(cfg["process"])
    for k in ["CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"]:
        check_facts(t, f"caps.nonroot_ambient.{k}", f, eqf(k, exp[k], lambda v: int(v, 16)))
    check_facts(t, "hostname.custom", f, eqf("hostname", "conf-host"))
    check_facts(t, "domainname", f, eqf("domainname", "conf.example"))
    check_facts(t, "root.writable.create_ok", f, eqf("create./tmp/conf-user-file", "OK"))


def t_caps_root(h, t):
    def mut(c, b):
        c["process"]["capabilities"] = {
            "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETPCAP", "CAP_SYS_ADMIN"],
            "permitted": ["CAP_KILL", "CAP_SYS_ADMIN"], "effective": ["CAP_KILL"],
            "inheritable": ["CAP_CHOWN", "CAP_SYS_ADMIN"]}
    f, cfg, _ = h.run("caps_root", mut, ["facts"])
    exp = expected_caps(cfg["process"])
    for k in ["CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"]:
        check_facts(t, f"caps.root_sets.{k}", f, eqf(k, exp[k], lambda v: int(v, 16)))


def t_mounts(h, t):
    def mut(c, b):
        d = os.path.join(b, "data")
        c["mounts"] += [
            {"destination": "/mnt/tmpfs", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "noexec", "mode=1770", "size=2m"]},
            {"destination": "/mnt/ro", "type": "bind", "source": d, "options": ["rbind", "ro"]},
            {"destination": "/mnt/rw", "type": "bind", "source": d,
             "options": ["bind", "rw", "nosuid", "nodev", "noexec"]},
            {"destination": "/mnt/deep/new/dir", "type": "tmpfs", "source": "tmpfs", "options": []},
            {"destination": "/mnt/file.txt", "type": "bind", "source": os.path.join(d, "hello.txt"),
             "options": ["bind", "ro"]},
        ]
    args = ["mount:/mnt/tmpfs", "stat:/mnt/tmpfs", "mount:/mnt/ro", "mount:/mnt/rw",
            "mount:/mnt/deep/new/dir", "mount:/mnt/file.txt", "read:/mnt/ro/hello.txt",
            "create:/mnt/ro/conf-x", "create:/mnt/rw/conf-y", "read:/mnt/file.txt", "write:/mnt/file.txt"]
    f, cfg, _ = h.run("mounts", mut, args)
    check_facts(t, "mounts.tmpfs.flags", f, mount_has("/mnt/tmpfs", "tmpfs", ["nosuid", "nodev", "noexec"]))
    check_facts(t, "mounts.tmpfs.size", f, mount_has("/mnt/tmpfs", "tmpfs", sopts=["size=2048k"]))
    check_facts(t, "mounts.tmpfs.mode", f, lambda f: (f["stat./mnt/tmpfs"].split()[:4] == ["d", "0", "0", "1770"],
                                                      f["stat./mnt/tmpfs"]))
    check_facts(t, "mounts.bind.ro_flag", f, mount_has("/mnt/ro", opts=["ro"]))
    check_facts(t, "mounts.bind.ro_create_EROFS", f, eqf("create./mnt/ro/conf-x", "ERR:EROFS"))
    check_facts(t, "mounts.bind.content", f, eqf("read./mnt/ro/hello.txt", "hello from the bundle data dir"))
    check_facts(t, "mounts.bind.rw_create_ok", f, eqf("create./mnt/rw/conf-y", "OK"))
    check_facts(t, "mounts.bind.nosuid_nodev_noexec", f,
                mount_has("/mnt/rw", opts=["rw", "nosuid", "nodev", "noexec"]))
    check_facts(t, "mounts.destination_created", f, mount_has("/mnt/deep/new/dir", "tmpfs"))
    check_facts(t, "mounts.bind_file.content", f, eqf("read./mnt/file.txt", "hello from the bundle data dir"))
    check_facts(t, "mounts.bind_file.ro", f, eqf("write./mnt/file.txt", "ERR:EROFS"))


def t_devices(h, t):
    def mut(c, b):
        c["linux"]["devices"] = [
            {"path": "/dev/conf-null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o640, "uid": 0, "gid": 0},
            {"path": "/dev/conf-blk", "type": "b", "major": 7, "minor": 0, "fileMode": 0o660, "uid": 1000, "gid": 1000},
            {"path": "/dev/sub/conf-zero", "type": "c", "major": 1, "minor": 5, "fileMode": 0o666, "uid": 0, "gid": 0}]
        c["mounts"].append({"destination": "/dev/conf-kmsg", "type": "bind", "source": "/dev/kmsg",
                            "options": ["bind"]})
        c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"})
    args = ["stat:/dev/conf-null", "stat:/dev/conf-blk", "stat:/dev/sub/conf-zero",
            "write:/dev/conf-null", "write:/dev/sub/conf-zero", "write:/dev/conf-kmsg"]
    f, cfg, _ = h.run("devices", mut, args)
    check_facts(t, "linux.devices.char", f, eqf("stat./dev/conf-null", "c 1 3 0640 0 0"))
    check_facts(t, "linux.devices.block_owner", f, eqf("stat./dev/conf-blk", "b 7 0 0660 1000 1000"))
    check_facts(t, "linux.devices.subdir", f, eqf("stat./dev/sub/conf-zero", "c 1 5 0666 0 0"))
    check_facts(t, "linux.resources.devices.allowed_open", f, eqf("write./dev/conf-null", "OK"))
    check_facts(t, "linux.devices.listed_device_usable", f, eqf("write./dev/sub/conf-zero", "OK"))
    check_facts(t, "linux.resources.devices.unlisted_denied_EPERM", f, eqf("write./dev/conf-kmsg", "ERR:EPERM"))


def t_sysctl(h, t):
    sysctl = {"net.ipv4.ip_forward": "1", "net.core.somaxconn": "1234", "kernel.msgmax": "12345"}

    def mut(c, b):
        c["linux"]["sysctl"] = sysctl
    f, cfg, _ = h.run("sysctl", mut, ["read:/proc/sys/" + k.replace(".", "/") for k in sysctl])
    for k, v in sysctl.items():
        check_facts(t, f"linux.sysctl.{k}", f, eqf("read./proc/sys/" + k.replace(".", "/"), v))


def t_hostns(h, t):
    def mut(c, b):
        c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] not in ("network", "uts")]
        del c["hostname"]
    f, cfg, _ = h.run("hostns", mut, ["facts"])
    check_facts(t, "ns.network.absent_shares_host", f, eqf("ns.net", h.host["ns.net"]))
    check_facts(t, "ns.uts.absent_shares_host", f, eqf("ns.uts", h.host["ns.uts"]))


def t_joinns(h, t):
    name = f"swift-test-conf-{os.getpid()}"
    path = f"/var/run/netns/{name}"
    if subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode != 0:
        t.skip("ns.network.join_path", "ip netns add failed")
        t.skip("lifecycle.delete.keeps_joined_namespace", "ip netns add failed")
        return
    try:
        ino = str(os.stat(path).st_ino)

        def mut(c, b):
            for n in c["linux"]["namespaces"]:
                if n["type"] == "network":
                    n["path"] = path
        f, cfg, _ = h.run("joinns", mut, ["facts"])
        check_facts(t, "ns.network.join_path", f, eqf("ns.net", ino))
        # runtime.md Delete: resources not created by this container MUST NOT be deleted
        try:
            kept = os.stat(path).st_ino == int(ino)
        except OSError as e:
            kept = False
            ino = f"{ino} ({e})"
        t.ok("lifecycle.delete.keeps_joined_namespace", kept, f"{path} (inode {ino}) gone after delete")
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)


def t_userns(h, t):
    def mut(c, b):
        use_userns(c)
    f, cfg, _ = h.run("userns", mut, ["facts"])
    check_facts(t, "ns.user.uidMappings", f, eqf("uid_map", "0 100000 65536"))
    check_facts(t, "ns.user.gidMappings", f, eqf("gid_map", "0 200000 65536"))
    check_facts(t, "ns.user.new_namespace", f,
                lambda f: (f["ns.user"] != h.host["ns.user"], "same user ns as host"))


def t_exit_code(h, t):
    cid = h.new_id()
    b, _ = h.bundle(cid, None, ["sh", "-c", "exit 3"])
    rc, out, err = h.rt("run", "-b", b, cid)
    t.eq("runtime.run.exit_status_propagated", rc, 3)
    h.rt("delete", "--force", cid)


HOOKS = ["prestart", "createRuntime", "createContainer", "poststart", "poststop"]


def t_hooks(h, t):
    def mut(c, b):
        log = os.path.join(b, "hooks", "order.log")
        c["hooks"] = {k: [{"path": "/bin/sh",
                           "args": ["sh", "-c", f"printf '%s %s\\n' {k} \"$(cat | tr -d '\\n')\" >> {log}"],
                           "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "timeout": 10}] for k in HOOKS}
    cid = h.new_id()
    b, cfg = h.bundle(cid, mut, ["sh", "-c", "true"])
    rc, out, err = h.rt("run", "-b", b, cid)
    h.rt("delete", "--force", cid)
    log = os.path.join(b, "hooks", "order.log")
    lines = open(log).read().splitlines() if os.path.exists(log) else []
    order = [l.split(" ", 1)[0] for l in lines]
    for k in HOOKS:
        t.ok(f"hooks.{k}.ran", k in order, f"rc={rc} log={order} stderr={err.strip()[-200:]!r}")
    pos = {k: order.index(k) for k in HOOKS if k in order}
    ok = len(pos) == len(HOOKS) and pos["prestart"] < pos["createContainer"] and \
        pos["createRuntime"] < pos["createContainer"] < pos["poststart"] < pos["poststop"]
    t.ok("hooks.order", ok, f"order {order}")
    states = {}
    for l in lines:
        k, _, s = l.partition(" ")
        try:
            states[k] = json.loads(s)
        except ValueError:
            pass
    st = states.get("createRuntime", {})
    t.ok("hooks.state_on_stdin", st.get("id") == cid and os.path.realpath(st.get("bundle", "")) == os.path.realpath(b)
         and "ociVersion" in st and "status" in st, f"createRuntime stdin {st!r}")
    st = states.get("poststart", {})
    t.ok("hooks.poststart_state_has_pid", isinstance(st.get("pid"), int) and st.get("pid", 0) > 0,
         f"poststart stdin {st!r}")


def t_lifecycle(h, t):
    cid = h.new_id()

    def mut(c, b):
        c["mounts"].append({"destination": "/data", "type": "bind", "source": os.path.join(b, "data"),
                            "options": ["bind", "rw"]})
    b, cfg = h.bundle(cid, mut, ["sh", "-c", "touch /data/started; exec sleep 30"])
    marker = os.path.join(b, "data", "started")
    rc, out, _ = h.rt("create", "-b", b, cid, capture=False)
    t.eq("lifecycle.create.succeeds", rc, 0)
    st = h.state(cid) or {}
    t.eq("lifecycle.state.created", st.get("status"), "created")
    missing = [k for k in ("ociVersion", "id", "status", "bundle") if k not in st]
    t.ok("lifecycle.state.required_fields", not missing, f"missing {missing} in {st}")
    t.ok("lifecycle.state.id_and_bundle", st.get("id") == cid and
         os.path.realpath(st.get("bundle", "")) == os.path.realpath(b), f"{st}")
    pid = st.get("pid", 0)
    t.ok("lifecycle.state.pid_when_created", isinstance(pid, int) and pid > 0, f"pid={pid!r}")
    try:
        cg = open(f"/proc/{pid}/cgroup").read()
        t.ok("linux.cgroupsPath.honoured", f"/{CG_PARENT}/{cid}" in cg, cg.replace("\n", ";"))
    except (OSError, TypeError):
        t.ok("linux.cgroupsPath.honoured", False, f"cannot read /proc/{pid}/cgroup")
    time.sleep(0.2)
    t.ok("lifecycle.create.program_not_run_before_start", not os.path.exists(marker), "marker exists after create")
    rc2, out2, _ = h.rt("create", "-b", b, cid, capture=False)
    t.ok("errors.create_existing_id_fails", rc2 != 0, "second create succeeded")
    rc, out, _ = h.rt("start", cid, capture=False)
    t.eq("lifecycle.start.succeeds", rc, 0)
    st = wait_status(h, cid, "running") or {}
    t.eq("lifecycle.state.running", st.get("status"), "running")
    end = time.time() + 5
    while not os.path.exists(marker) and time.time() < end:
        time.sleep(0.05)
    t.ok("lifecycle.start.runs_program", os.path.exists(marker), "marker missing after start")
    rc, _, _ = h.rt("start", cid, capture=False)
    t.ok("errors.start_running_fails", rc != 0, "second start succeeded")
    rc, _, _ = h.rt("delete", cid, capture=False)
    t.ok("errors.delete_running_fails", rc != 0, "delete (no --force) of running container succeeded")
    rc, _, _ = h.rt("kill", cid, "KILL", capture=False)
    t.eq("lifecycle.kill.succeeds", rc, 0)
    st = wait_status(h, cid, "stopped") or {}
    t.eq("lifecycle.state.stopped_after_kill", st.get("status"), "stopped")
    rc, _, _ = h.rt("kill", cid, "KILL", capture=False)
    t.ok("errors.kill_stopped_fails", rc != 0, "kill of stopped container succeeded")
    rc, _, _ = h.rt("start", cid, capture=False)
    t.ok("errors.start_stopped_fails", rc != 0, "start of stopped container succeeded")
    rc, _, _ = h.rt("delete", cid, capture=False)
    t.eq("lifecycle.delete_stopped.succeeds", rc, 0)
    t.ok("lifecycle.state_after_delete_fails", h.state(cid) is None, "state still answers after delete")
    rc, _, _ = h.rt("state", "swift-test-conf-no-such-id", capture=False)
    t.ok("errors.state_unknown_id_fails", rc != 0, "state of unknown id succeeded")
    rc, _, _ = h.rt("delete", "swift-test-conf-no-such-id", capture=False)
    t.ok("errors.delete_unknown_id_fails", rc != 0, "delete of unknown id succeeded")
    rc, _, _ = h.rt("start", "swift-test-conf-no-such-id", capture=False)
    t.ok("errors.start_unknown_id_fails", rc != 0, "start of unknown id succeeded")

    # natural exit: created -> start -> stopped without kill
    cid = h.new_id()
    b, _ = h.bundle(cid, None, ["sh", "-c", "exit 0"])
    h.rt("create", "-b", b, cid, capture=False)
    h.rt("start", cid, capture=False)
    st = wait_status(h, cid, "stopped") or {}
    t.eq("lifecycle.state.stopped_after_exit", st.get("status"), "stopped")
    h.rt("delete", "--force", cid, capture=False)

    # bundle without config.json
    cid = h.new_id()
    b = os.path.join(h.tmp, cid)
    os.makedirs(os.path.join(b, "rootfs"))
    rc, _, _ = h.rt("create", "-b", b, cid, capture=False)
    t.ok("errors.create_without_config_fails", rc != 0, "create succeeded without config.json")
    h.rt("delete", "--force", cid, capture=False)


TESTS = [t_default, t_user, t_caps_root, t_mounts, t_devices, t_sysctl, t_hostns, t_joinns,
         t_userns, t_exit_code, t_hooks, t_lifecycle]
