"""Hooks and lifecycle beyond the first slice (config.md "POSIX-platform Hooks",
runtime.md "Lifecycle", "Operations", "Errors"): the namespace each hook runs
in, startContainer, hook args/env/timeout, hook failures (error, nothing left
behind, poststop still run), when poststart/poststop run, kill by name and
number, kill/delete of a created container, state pid and annotations, config
changes after create, cgroups removed by delete, and create/start errors."""
import json
import os
import time

from .harness import check_facts, wait_status

HOST_PATH = "PATH=/usr/sbin:/usr/bin:/sbin:/bin"


def _wait(fn, secs=5):
    end = time.time() + secs
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.05)
    return fn()


def _read(p):
    try:
        with open(p) as f:
            return f.read()
    except OSError:
        return ""


def _logger(name, log, sh="/bin/sh", env=HOST_PATH):
    """A hook appending `NAME net:[..] mnt:[..]` (its own namespaces) to LOG."""
    return {"path": sh, "env": [env], "timeout": 10,
            "args": ["sh", "-c", f'echo "{name} $(readlink /proc/self/ns/net) $(readlink /proc/self/ns/mnt)" >> {log}']}


def _data_mount(c, b):
    c["mounts"].append({"destination": "/data", "type": "bind", "source": os.path.join(b, "data"),
                        "options": ["bind", "rw"]})


def _ino(v):   # "net:[4026531840]" -> "4026531840"
    return v.split("[")[-1].rstrip("]") if v else v


def t_hook_namespaces(h, t):
    logs = {}

    def mut(c, b):
        log = os.path.join(b, "data", "hooks.log")
        logs["log"] = log
        _data_mount(c, b)
        c["hooks"] = {k: [_logger(k, log)] for k in ("createRuntime", "createContainer", "poststart", "poststop")}
        c["hooks"]["startContainer"] = [_logger("startContainer", "/data/hooks.log", env="PATH=/bin")]
    f, cfg, b = h.run("hook_ns", mut, argv=["sh", "-c", "echo process >> /data/hooks.log; exec /checker facts"])
    lines = [l.split() for l in _read(logs["log"]).splitlines() if l.strip()]
    got = {l[0]: l[1:] for l in lines}
    order = [l[0] for l in lines]

    def ns_of(hook, which):
        v = got.get(hook, [])
        return _ino(v[which]) if len(v) > which else None
    host_net = h.host["ns.net"]
    for hook in ("createRuntime", "poststart", "poststop"):
        t.ok(f"hooks.{hook}.runtime_namespace", ns_of(hook, 0) == host_net,
             f"{hook} ran in net ns {ns_of(hook, 0)}, runtime's is {host_net} (log {order})")
    for hook in ("createContainer", "startContainer"):
        check_facts(t, f"hooks.{hook}.container_namespace", f,
                    lambda f, hook=hook: (ns_of(hook, 0) == f["ns.net"] and ns_of(hook, 1) == f["ns.mnt"],
                                          f"{hook} net/mnt {ns_of(hook, 0)}/{ns_of(hook, 1)}, container "
                                          f"{f['ns.net']}/{f['ns.mnt']} (log {order})"))
    t.ok("hooks.startContainer.before_process", "startContainer" in order and "process" in order and
         order.index("startContainer") < order.index("process") and
         order.index("createContainer") < order.index("startContainer"), f"log order {order}")


def t_hook_args_env(h, t):
    files = {}

    def mut(c, b):
        files["argv"], files["env"] = os.path.join(b, "hooks", "argv"), os.path.join(b, "hooks", "env")
        script = f"cat /proc/$$/cmdline > {files['argv']}; env > {files['env']}"
        files["args"] = ["conf-argv0", "-c", script, "x1", "x 2"]
        c["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": files["args"],
                                         "env": ["CONF_HOOK=v1", HOST_PATH], "timeout": 10}]}
    env = dict(os.environ, CONF_RUNTIME_ENV="leaked")
    f, cfg, b = h.run("hook_args", mut, ["facts"], env=env)
    raw = _read(files["argv"])
    argv = raw[:-1].split("\0") if raw.endswith("\0") else [raw]
    envl = _read(files["env"]).splitlines()
    t.ok("hooks.args_passed", argv == files["args"], f"hook argv {argv!r}, want {files['args']!r}")
    t.ok("hooks.env_passed", "CONF_HOOK=v1" in envl, f"hook env {envl!r}")
    t.ok("hooks.env_not_inherited_from_runtime", bool(envl) and not any(l.startswith("CONF_RUNTIME_ENV=") for l in envl),
         f"hook env {envl!r} (the runtime's own environment has CONF_RUNTIME_ENV)")


def t_hook_timing(h, t):
    cid = h.new_id()
    log = {}

    def mut(c, b):
        log["p"] = os.path.join(b, "hooks", "timing.log")
        c["hooks"] = {k: [_logger(k, log["p"])] for k in ("poststart", "poststop")}
    b, cfg = h.bundle(cid, mut, ["sh", "-c", "sleep 0.3"])
    rc, _, _ = h.rt("create", "-b", b, cid, capture=False)
    after_create = _read(log["p"])
    rc2, _, _ = h.rt("start", cid, capture=False)
    after_start = _read(log["p"])
    t.ok("hooks.poststart.not_before_start", rc == 0 and "poststart" not in after_create and "poststart" in after_start,
         f"create rc={rc} start rc={rc2}; log after create {after_create!r}, after start {after_start!r}")
    st = wait_status(h, cid, "stopped") or {}
    before = _read(log["p"])
    rc3, _, _ = h.rt("delete", cid, capture=False)
    after = _read(log["p"])
    t.ok("hooks.poststop.not_before_delete", st.get("status") == "stopped" and "poststop" not in before,
         f"status {st.get('status')}, log before delete {before!r}")
    t.ok("hooks.poststop.run_by_delete", rc3 == 0 and "poststop" in after, f"delete rc={rc3}, log {after!r}")
    h.rt("delete", "--force", cid, capture=False)


def t_hook_failures(h, t):
    # createRuntime fails: create MUST error, the container is destroyed (nothing left, its cgroup
    # gone: "as if the operation were never attempted") and the lifecycle continues at step 12,
    # so the poststop hooks (step 13) MUST still be invoked.
    cid = h.new_id()
    log = {}

    def mut(c, b):
        log["p"] = os.path.join(b, "hooks", "poststop.log")
        c["hooks"] = {"createRuntime": [{"path": "/bin/false", "args": ["false"]}],
                      "poststop": [_logger("poststop", log["p"])]}
    b, cfg = h.bundle(cid, mut, ["sh", "-c", "true"])
    rc, _, _ = h.rt("create", "-b", b, cid, capture=False)
    st = h.state(cid)
    cgs = h.cgroup_dirs(cid)
    t.ok("hooks.createRuntime_failure.create_fails", rc != 0, "create succeeded")
    t.ok("hooks.createRuntime_failure.no_container_left", st is None, f"state after failed create: {st}")
    t.ok("hooks.createRuntime_failure.no_cgroup_left", not cgs, f"left behind: {cgs}")
    t.ok("hooks.createRuntime_failure.poststop_ran", "poststop" in _read(log["p"]),
         f"poststop log {_read(log['p'])!r}")
    h.rt("delete", "--force", cid, capture=False)

    for hook in ("prestart", "createContainer"):
        rc, rc2, cid, b, st, out = h.try_create(
            lambda c, b, hook=hook: c.__setitem__("hooks", {hook: [{"path": "/bin/false", "args": ["false"]}]}),
            ["sh", "-c", "true"])
        t.ok(f"hooks.{hook}_failure.create_fails", rc != 0, "create succeeded")

    for hook, path in (("startContainer", "/bin/false"), ("poststart", "/bin/false")):
        cid = h.new_id()
        b, cfg = h.bundle(cid, lambda c, b, hook=hook, path=path: c.__setitem__(
            "hooks", {hook: [{"path": path, "args": ["false"]}]}), ["sleep", "30"])
        rc, _, _ = h.rt("create", "-b", b, cid, capture=False)
        rc2 = None
        if rc == 0:
            rc2, _, _ = h.rt("start", cid, capture=False)
        st = wait_status(h, cid, "stopped", secs=3)
        t.ok(f"hooks.{hook}_failure.error", rc != 0 or rc2 != 0, f"create rc={rc}, start rc={rc2}")
        t.ok(f"hooks.{hook}_failure.container_stopped", st is None or st.get("status") == "stopped",
             f"state after the failed hook: {st}")
        h.rt("delete", "--force", cid, capture=False)


def t_hook_timeout(h, t):
    def mut(c, b):
        c["hooks"] = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "12"], "timeout": 1}]}
    t0 = time.monotonic()
    rc, rc2, cid, b, st, out = h.try_create(mut, ["sh", "-c", "true"])
    el = time.monotonic() - t0
    t.ok("hooks.timeout.create_fails", rc != 0 and el < 10, f"create rc={rc} after {el:.1f}s (hook sleeps 12s, timeout 1)")
    t.ok("hooks.timeout.no_container_left", st is None, f"state after failed create: {st}")


def t_kill_state(h, t):
    cid = h.new_id()
    sig = {}
    script = ('trap "echo TERM >> /data/sig" TERM; trap "echo USR1 >> /data/sig" USR1; '
              'echo ready >> /data/sig; while :; do sleep 0.1; done')

    def mut(c, b):
        sig["p"] = os.path.join(b, "data", "sig")
        _data_mount(c, b)
        c["annotations"] = {"org.swiftrun.conformance": "annotated", "org.example.empty": ""}
    b, cfg = h.bundle(cid, mut, ["sh", "-c", script])
    h.rt("create", "-b", b, cid, capture=False)
    h.rt("start", cid, capture=False)
    ready = _wait(lambda: "ready" in _read(sig["p"]))
    st = h.state(cid) or {}
    t.ok("lifecycle.state.annotations", st.get("annotations") == cfg["annotations"],
         f"state annotations {st.get('annotations')!r}, config {cfg['annotations']!r}")
    try:
        with open(f"/proc/{st.get('pid')}/cmdline") as f:
            cmd = f.read().split("\0")[:-1]
    except (OSError, TypeError) as e:
        cmd = [str(e)]
    t.ok("lifecycle.state.pid_is_container_process", cmd == cfg["process"]["args"],
         f"/proc/{st.get('pid')}/cmdline {cmd!r}")
    rc, _, _ = h.rt("kill", cid, "TERM", capture=False)
    got = _wait(lambda: "TERM" in _read(sig["p"]))
    t.ok("lifecycle.kill.signal_by_name", ready and rc == 0 and got, f"kill rc={rc} ready={ready} log {_read(sig['p'])!r}")
    rc, _, _ = h.rt("kill", cid, "10", capture=False)   # SIGUSR1 on x86_64
    got = _wait(lambda: "USR1" in _read(sig["p"]))
    t.ok("lifecycle.kill.signal_by_number", ready and rc == 0 and got, f"kill rc={rc} log {_read(sig['p'])!r}")
    h.rt("delete", "--force", cid, capture=False)

    # kill of a created container is allowed (created or running); delete of it is not
    cid = h.new_id()
    b, cfg = h.bundle(cid, None, ["sleep", "30"])
    h.rt("create", "-b", b, cid, capture=False)
    rc, _, _ = h.rt("delete", cid, capture=False)
    st = h.state(cid) or {}
    t.ok("errors.delete_created_fails", rc != 0 and st.get("status") == "created",
         f"delete (no --force) of a created container: rc={rc}, state after {st.get('status')!r}")
    if st.get("status") != "created":   # the runtime deleted it: recreate for the kill check
        h.rt("delete", "--force", cid, capture=False)
        h.rt("create", "-b", b, cid, capture=False)
    rc, _, _ = h.rt("kill", cid, "KILL", capture=False)
    st = wait_status(h, cid, "stopped") or {}
    t.ok("lifecycle.kill.created_container", rc == 0 and st.get("status") == "stopped",
         f"kill rc={rc}, state {st.get('status')!r}")
    h.rt("delete", "--force", cid, capture=False)


def t_config_frozen_and_cgroups(h, t):
    cid = h.new_id()

    def mut(c, b):
        _data_mount(c, b)
    b, cfg = h.bundle(cid, mut, ["sh", "-c", "echo original > /data/out"])
    rc, _, _ = h.rt("create", "-b", b, cid, capture=False)
    cgs = h.cgroup_dirs(cid)
    cfg["process"]["args"] = ["sh", "-c", "echo changed > /data/out"]
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    h.rt("start", cid, capture=False)
    st = wait_status(h, cid, "stopped") or {}
    out = _read(os.path.join(b, "data", "out")).strip()
    t.ok("lifecycle.config_changes_after_create_ignored", rc == 0 and out == "original",
         f"create rc={rc}, /data/out {out!r} (config.json rewritten after create)")
    rc, _, _ = h.rt("delete", cid, capture=False)
    left = h.cgroup_dirs(cid)
    t.ok("lifecycle.delete.removes_cgroups", cgs and rc == 0 and not left,
         f"after create {cgs}, status {st.get('status')!r}, delete rc={rc}, left {left}")
    h.rt("delete", "--force", cid, capture=False)


def t_create_errors(h, t):
    rc, rc2, *_ = h.try_create(lambda c, b: c.pop("process"), None, start=True)
    t.ok("errors.start_without_process_fails", rc != 0 or rc2 != 0, f"create rc={rc}, start rc={rc2}")
    rc, rc2, *_ = h.try_create(None, [], start=True)
    t.ok("errors.process_args_empty_fails", rc != 0 or rc2 != 0, f"create rc={rc}, start rc={rc2}")
    rc, rc2, *_ = h.try_create(lambda c, b: c["root"].__setitem__("path", "conf-no-such-rootfs"), ["true"])
    t.ok("errors.root_path_missing_fails", rc != 0, "create succeeded with a missing root.path")

    def dev(c, b):
        c["linux"]["devices"] = [{"path": "/etc/hostname", "type": "c", "major": 1, "minor": 3,
                                  "fileMode": 0o666, "uid": 0, "gid": 0}]
    rc, rc2, *_ = h.try_create(dev, ["true"])
    t.ok("errors.device_path_conflict_fails", rc != 0,
         "create succeeded with linux.devices /etc/hostname (a regular file in the rootfs)")


TESTS = [t_hook_namespaces, t_hook_args_env, t_hook_timing, t_hook_failures, t_hook_timeout,
         t_kill_state, t_config_frozen_and_cgroups, t_create_errors]
