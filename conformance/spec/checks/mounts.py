"""mounts[] options (config.md "Mounts": the Linux option table) and
linux.rootfsPropagation, seen in /proc/self/mountinfo inside the container:
propagation (optional fields shared:N / master:N / unbindable), rbind vs bind
with a submount, recursive rro, atime/nosymfollow flags, a relative destination
and the listed order.

Host side: a tmpfs made `shared` is the source of the propagation binds (a
`slave` copy of a private mount would be indistinguishable from `private`); a
directory with a tmpfs submount is the source of the bind/rbind/rro cases; for
rootfsPropagation the bundle's rootfs is bind-mounted onto itself and made
shared.  Everything is unmounted at cleanup."""
import os

from .harness import check_facts, mount_has


def _prop(f, path):
    v = f["prop." + path]
    return set(v.split(",")) if not v.startswith("ERR") else {v}


def _has_tag(path, tag, absent=()):
    def fn(f):
        tags = _prop(f, path)
        ok = any(x.startswith(tag) for x in tags) and not any(x.startswith(a) for a in absent for x in tags)
        return ok, f"{path}: propagation {sorted(tags)}, want {tag}" + (f" without {list(absent)}" if absent else "")
    return fn


def _private(path):
    def fn(f):
        tags = _prop(f, path)
        return tags == {"private"}, f"{path}: propagation {sorted(tags)}, want none (private)"
    return fn


def t_mount_options(h, t):
    src = os.path.join(h.tmp, "prop-src")
    rb = os.path.join(h.tmp, "rbind-src")
    os.makedirs(src)
    os.makedirs(os.path.join(rb, "sub"))
    h.host_mount(src, "-t", "tmpfs", "-o", "size=1m", "conf-prop")
    h.host_mount(src, "--make-shared")
    h.host_mount(os.path.join(rb, "sub"), "-t", "tmpfs", "-o", "size=1m", "conf-sub")
    with open(os.path.join(rb, "sub", "subfile"), "w") as f:
        f.write("in the submount\n")

    def mut(c, b):
        def bind(dest, s, *opts):
            return {"destination": dest, "type": "bind", "source": s, "options": list(opts)}

        def tmpfs(dest, *opts):
            return {"destination": dest, "type": "tmpfs", "source": "tmpfs", "options": list(opts)}
        c["mounts"] += [
            bind("/mnt/p-shared", src, "rbind", "rshared"),
            bind("/mnt/p-slave", src, "rbind", "rslave"),
            bind("/mnt/p-private", src, "rbind", "rprivate"),
            bind("/mnt/p-unbindable", src, "rbind", "runbindable"),
            bind("/mnt/rbind", rb, "rbind"),
            bind("/mnt/bind", rb, "bind"),
            tmpfs("/mnt/noatime", "noatime"),
            tmpfs("/mnt/nodiratime", "nodiratime"),
            tmpfs("/mnt/strictatime", "strictatime"),
            tmpfs("/mnt/order", "size=1m"),
            tmpfs("/mnt/order/inner", "size=3m"),
            tmpfs("/mnt/order", "size=2m"),
        ]
    paths = ["/mnt/p-shared", "/mnt/p-slave", "/mnt/p-private", "/mnt/p-unbindable"]
    args = (["prop:" + p for p in paths]
            + ["mount:" + p for p in ["/mnt/rbind/sub", "/mnt/bind/sub", "/mnt/noatime", "/mnt/nodiratime",
                                      "/mnt/strictatime", "/mnt/order"]]
            + ["read:/mnt/rbind/sub/subfile", "stat:/mnt/bind/sub/subfile", "stat:/mnt/order/inner"])
    f, cfg, _ = h.run("mount_options", mut, args)
    check_facts(t, "mounts.propagation.rshared", f, _has_tag("/mnt/p-shared", "shared:"))
    check_facts(t, "mounts.propagation.rslave", f, _has_tag("/mnt/p-slave", "master:", absent=["shared:"]))
    check_facts(t, "mounts.propagation.rprivate", f, _private("/mnt/p-private"))
    check_facts(t, "mounts.propagation.runbindable", f, _has_tag("/mnt/p-unbindable", "unbindable"))
    check_facts(t, "mounts.rbind.submount_included", f,
                lambda f: (f["mount./mnt/rbind/sub"].startswith("tmpfs|") and
                           f["read./mnt/rbind/sub/subfile"] == "in the submount",
                           f"mount {f['mount./mnt/rbind/sub']} read {f['read./mnt/rbind/sub/subfile']}"))
    check_facts(t, "mounts.bind.not_recursive", f,
                lambda f: (f["mount./mnt/bind/sub"] == "ERR:notmounted" and
                           f["stat./mnt/bind/sub/subfile"] == "ERR:ENOENT",
                           f"mount {f['mount./mnt/bind/sub']} stat {f['stat./mnt/bind/sub/subfile']}"))
    check_facts(t, "mounts.options.noatime", f, mount_has("/mnt/noatime", "tmpfs", ["noatime"]))
    check_facts(t, "mounts.options.nodiratime", f, mount_has("/mnt/nodiratime", "tmpfs", ["nodiratime"]))

    def strict(f):
        v = f["mount./mnt/strictatime"]
        mo = set(v.split("|")[1].split(",")) if "|" in v else set()
        return "|" in v and not mo & {"relatime", "noatime"}, f"/mnt/strictatime: {v}"
    check_facts(t, "mounts.options.strictatime", f, strict)
    check_facts(t, "mounts.listed_order", f,
                lambda f: ("size=2048k" in f["mount./mnt/order"] and f["stat./mnt/order/inner"] == "ERR:ENOENT",
                           f"top of /mnt/order: {f['mount./mnt/order']}; /mnt/order/inner: "
                           f"{f['stat./mnt/order/inner']} (want the last listed tmpfs on top, hiding inner)"))


def t_mount_single(h, t):
    """Options some runtimes reject: one container each, so a refusal fails only its check."""
    rb = os.path.join(h.tmp, "rbind-src")   # made by t_mount_options, with a tmpfs at sub/

    def add(*mounts):
        return lambda c, b: c["mounts"].extend(mounts)
    f, _, _ = h.run("rro", add({"destination": "/mnt/rro", "type": "bind", "source": rb,
                                "options": ["rbind", "rro"]}),
                    ["mount:/mnt/rro/sub", "create:/mnt/rro/sub/conf-x"])

    def rro(f):
        v = f["mount./mnt/rro/sub"]
        mo = set(v.split("|")[1].split(",")) if "|" in v else set()
        return ("ro" in mo and f["create./mnt/rro/sub/conf-x"] == "ERR:EROFS",
                f"mount {v} create {f['create./mnt/rro/sub/conf-x']}")
    check_facts(t, "mounts.rro.submount_readonly", f, rro)
    f, _, _ = h.run("nosymfollow", add({"destination": "/mnt/nosymfollow", "type": "tmpfs", "source": "tmpfs",
                                        "options": ["nosymfollow"]}), ["mount:/mnt/nosymfollow"])
    check_facts(t, "mounts.options.nosymfollow", f, mount_has("/mnt/nosymfollow", "tmpfs", ["nosymfollow"]))
    f, _, _ = h.run("relative", add({"destination": "mnt/relative", "type": "tmpfs", "source": "tmpfs",
                                     "options": ["size=1m"]}), ["mount:/mnt/relative"])
    check_facts(t, "mounts.destination_relative_to_root", f, mount_has("/mnt/relative", "tmpfs"))


def t_rootfs_propagation(h, t):
    for mode in ("shared", "slave", "private", "unbindable"):
        undo = []

        def mut(c, b, mode=mode):
            c["linux"]["rootfsPropagation"] = mode
            r = os.path.join(b, "rootfs")
            undo.append(h.host_mount(r, "--bind", r))
            h.host_mount(r, "--make-shared")
        f, cfg, _ = h.run("rootfs_prop", mut, ["prop:/"])
        for u in undo:
            u()
        name = f"linux.rootfsPropagation.{mode}"
        if mode == "shared":
            check_facts(t, name, f, _has_tag("/", "shared:"))
        elif mode == "slave":
            check_facts(t, name, f, _has_tag("/", "master:", absent=["shared:"]))
        elif mode == "private":
            check_facts(t, name, f, _private("/"))
        else:
            check_facts(t, name, f, _has_tag("/", "unbindable"))


TESTS = [t_mount_options, t_mount_single, t_rootfs_propagation]
