#define _GNU_SOURCE
#include "sr_spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *ns_name(int t) {
    switch (t) {
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWNET: return "network";
    case CLONE_NEWNS: return "mount";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWUSER: return "user";
    case CLONE_NEWCGROUP: return "cgroup";
    case CLONE_NEWTIME: return "time";
    }
    return "?";
}

static void set_err(struct sr_spawn_error *e, int err, const char *fmt, const char *arg) {
    if (!e) return;
    e->err = err;
    snprintf(e->what, sizeof e->what, fmt, arg);
}

static int write_file(const char *path, const char *data) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = strlen(data);
    ssize_t n = write(fd, data, len);
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)len ? 0 : -1;
}

/* Child side failure: report "error <errno> <what>" on fd and exit. */
static void child_fail(int fd, int err, const char *what, const char *arg) {
    char msg[256];
    char w[200];
    snprintf(w, sizeof w, what, arg);
    int n = snprintf(msg, sizeof msg, "error %d %s", err, w);
    if (fd >= 0 && n > 0) {
        ssize_t r = send(fd, msg, (size_t)n, MSG_NOSIGNAL);
        (void)r;
    }
    _exit(1);
}

#define SR_CG_MAX 32

/* Write "0" (the calling thread) to each of the first n fds. */
static int cg_back(const int *fds, int n) {
    int rc = 0;
    for (int i = 0; i < n; i++)
        if (write(fds[i], "0", 1) != 1) rc = -1;
    return rc;
}

/* Move the calling thread into every cg_enter file, with the way back (cg_leave) opened
   first so it cannot fail for a missing path. 1 when done, 0 when not (nothing changed). */
static int cg_enter(const struct sr_spawn_config *cfg, int *back, int *n_back) {
    *n_back = 0;
    if (!cfg->cg_enter || !cfg->cg_enter[0] || !cfg->cg_leave) return 0;
    for (int i = 0; cfg->cg_leave[i]; i++) {
        int fd = i < SR_CG_MAX ? open(cfg->cg_leave[i], O_WRONLY | O_CLOEXEC) : -1;
        if (fd < 0) goto undo;
        back[(*n_back)++] = fd;
    }
    for (int i = 0; cfg->cg_enter[i]; i++) {
        if (write_file(cfg->cg_enter[i], "0") < 0) {
            (void)cg_back(back, *n_back);
            goto undo;
        }
    }
    return 1;
undo:
    for (int i = 0; i < *n_back; i++) close(back[i]);
    *n_back = 0;
    return 0;
}

/* fork(), born in the container's cgroups when cfg asks for it (see sr_spawn.h). The parent
   side returns with its own cgroups restored; *placed says what the child got. */
static pid_t cg_fork(const struct sr_spawn_config *cfg, int *placed, struct sr_spawn_error *err) {
    *placed = 0;
    int back[SR_CG_MAX], n_back = 0;
    int v1 = cg_enter(cfg, back, &n_back);   /* 0: the caller writes cgroup.procs instead */
    pid_t child = -1;
    if (cfg->cg_has_fd) {
        struct clone_args a;
        memset(&a, 0, sizeof a);
        a.flags = CLONE_INTO_CGROUP;
        a.exit_signal = SIGCHLD;
        a.cgroup = (unsigned long long)cfg->cg_fd;
        child = (pid_t)syscall(SYS_clone3, &a, sizeof a);
        if (child >= 0) *placed |= SR_CG_PLACED_V2;
    }
    if (child < 0) child = fork();
    if (child == 0) {
        for (int i = 0; i < n_back; i++) close(back[i]);
        return 0;
    }
    if (v1) {
        if (child > 0) *placed |= SR_CG_PLACED_V1;
        int rc = cg_back(back, n_back);
        int saved = errno;
        for (int i = 0; i < n_back; i++) close(back[i]);
        if (rc < 0) {
            set_err(err, saved, "%s", "cgroup: move back to the runtime's own cgroup");
            if (child > 0) { kill(child, SIGKILL); waitpid(child, NULL, 0); }
            return -1;
        }
    }
    if (child < 0) set_err(err, errno, "%s", "fork");
    return child;
}

/* Join every namespace in cfg->join except those in skip; mount last. 0 or -1 with what. */
static int join_all(const struct sr_spawn_config *cfg, int skip, const char **what) {
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < cfg->n_join; i++) {
            int t = cfg->join[i].nstype;
            if (t & skip) continue;
            if ((pass == 0) == (t == CLONE_NEWNS)) continue;
            if (setns(cfg->join[i].fd, t) < 0) { *what = ns_name(t); return -1; }
        }
    }
    return 0;
}

static pid_t path_a(const struct sr_spawn_config *cfg, struct sr_spawn_error *err) {
    int pid_join = -1, time_join = -1;
    for (int i = 0; i < cfg->n_join; i++) {
        if (cfg->join[i].nstype == CLONE_NEWPID) pid_join = cfg->join[i].fd;
        if (cfg->join[i].nstype == CLONE_NEWTIME) time_join = cfg->join[i].fd;
    }
    (void)time_join;
    int want_pid = (cfg->new_flags & CLONE_NEWPID) || pid_join >= 0;
    int want_time = (cfg->new_flags & CLONE_NEWTIME) != 0;
    int orig_pid = -1, orig_time = -1;
    pid_t child = -1;

    if (want_pid) {
        orig_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (orig_pid < 0) { set_err(err, errno, "open %s", "/proc/self/ns/pid"); goto out; }
        int r = pid_join >= 0 ? setns(pid_join, CLONE_NEWPID) : unshare(CLONE_NEWPID);
        if (r < 0) { set_err(err, errno, pid_join >= 0 ? "setns %s" : "unshare %s", "pid"); goto out; }
    }
    if (want_time) {
        orig_time = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
        if (orig_time < 0) { set_err(err, errno, "open %s", "/proc/self/ns/time"); goto restore; }
        if (unshare(CLONE_NEWTIME) < 0) { set_err(err, errno, "unshare %s", "time"); goto restore; }
        if (cfg->timens_offsets && *cfg->timens_offsets &&
            write_file("/proc/self/timens_offsets", cfg->timens_offsets) < 0) {
            set_err(err, errno, "write %s", "/proc/self/timens_offsets");
            goto restore;
        }
    }

    child = cg_fork(cfg, &err->cg_placed, err);
    if (child == 0) {
        if (orig_pid >= 0) close(orig_pid);
        if (orig_time >= 0) close(orig_time);
        const char *what = "";
        if (join_all(cfg, CLONE_NEWPID, &what) < 0) child_fail(cfg->child_fd, errno, "setns %s", what);
        int flags = cfg->new_flags & ~(CLONE_NEWPID | CLONE_NEWTIME);
        if (flags && unshare(flags) < 0) child_fail(cfg->child_fd, errno, "unshare %s", "namespaces");
        return 0;
    }

restore:
    /* Move our own *_for_children back; the child keeps the namespaces it was born in. */
    if (orig_pid >= 0 && setns(orig_pid, CLONE_NEWPID) < 0 && child > 0) {
        set_err(err, errno, "%s", "restore pid namespace");
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        child = -1;
    }
    if (orig_time >= 0 && setns(orig_time, CLONE_NEWTIME) < 0 && child > 0) {
        set_err(err, errno, "%s", "restore time namespace");
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        child = -1;
    }
out:
    if (orig_pid >= 0) close(orig_pid);
    if (orig_time >= 0) close(orig_time);
    return child;
}

static void send_str(int fd, const char *s) {
    ssize_t r = send(fd, s, strlen(s), MSG_NOSIGNAL);
    (void)r;
}

static pid_t path_b(const struct sr_spawn_config *cfg, struct sr_spawn_error *err) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        set_err(err, errno, "%s", "socketpair");
        return -1;
    }
    /* stage 2 is orphaned when stage 1 exits: adopt it. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        set_err(err, errno, "%s", "prctl PR_SET_CHILD_SUBREAPER");
        close(sv[0]); close(sv[1]);
        return -1;
    }
    pid_t stage1 = cg_fork(cfg, &err->cg_placed, err);
    if (stage1 < 0) {
        close(sv[0]); close(sv[1]);
        return -1;
    }
    if (stage1 == 0) {
        close(sv[0]);
        int fd = sv[1];
        const char *what = "";
        /* user namespace first, then the others (as owned by it), mount last */
        for (int i = 0; i < cfg->n_join; i++)
            if (cfg->join[i].nstype == CLONE_NEWUSER && setns(cfg->join[i].fd, CLONE_NEWUSER) < 0)
                child_fail(fd, errno, "setns %s", "user");
        if (join_all(cfg, CLONE_NEWUSER, &what) < 0) child_fail(fd, errno, "setns %s", what);
        if (cfg->new_flags & CLONE_NEWUSER) {
            if (unshare(CLONE_NEWUSER) < 0) child_fail(fd, errno, "unshare %s", "user");
            char buf[256];
            send_str(fd, "maps");
            ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
            if (n <= 0) _exit(1);
            buf[n] = 0;
            if (strcmp(buf, "ok") != 0) _exit(1);
            /* become root of the new namespace if it is mapped (ignored otherwise) */
            if (setresgid(0, 0, 0) < 0 && errno != EINVAL) child_fail(fd, errno, "%s", "setresgid 0");
            if (setresuid(0, 0, 0) < 0 && errno != EINVAL) child_fail(fd, errno, "%s", "setresuid 0");
        }
        int flags = cfg->new_flags & ~CLONE_NEWUSER;
        if (flags && unshare(flags) < 0) child_fail(fd, errno, "unshare %s", "namespaces");
        if ((flags & CLONE_NEWTIME) && cfg->timens_offsets && *cfg->timens_offsets &&
            write_file("/proc/self/timens_offsets", cfg->timens_offsets) < 0)
            child_fail(fd, errno, "write %s", "/proc/self/timens_offsets");
        pid_t stage2 = fork();
        if (stage2 < 0) child_fail(fd, errno, "%s", "fork");
        if (stage2 == 0) {
            close(fd);
            return 0;
        }
        char msg[64];
        snprintf(msg, sizeof msg, "pid %d", (int)stage2);
        send_str(fd, msg);
        _exit(0);
    }

    close(sv[1]);
    pid_t result = -1;
    char buf[300];
    for (;;) {
        ssize_t n = recv(sv[0], buf, sizeof buf - 1, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buf[n] = 0;
        if (strcmp(buf, "maps") == 0) {
            char path[64];
            const char *bad = NULL;
            if (cfg->deny_setgroups) {
                snprintf(path, sizeof path, "/proc/%d/setgroups", (int)stage1);
                if (write_file(path, "deny") < 0) bad = "write setgroups";
            }
            if (!bad && cfg->uid_map && *cfg->uid_map) {
                snprintf(path, sizeof path, "/proc/%d/uid_map", (int)stage1);
                if (write_file(path, cfg->uid_map) < 0) bad = "write uid_map";
            }
            if (!bad && cfg->gid_map && *cfg->gid_map) {
                snprintf(path, sizeof path, "/proc/%d/gid_map", (int)stage1);
                if (write_file(path, cfg->gid_map) < 0) bad = "write gid_map";
            }
            if (bad) {
                set_err(err, errno, "%s", bad);
                send_str(sv[0], "fail");
                break;
            }
            send_str(sv[0], "ok");
        } else if (strncmp(buf, "pid ", 4) == 0) {
            result = (pid_t)atoi(buf + 4);
        } else if (strncmp(buf, "error ", 6) == 0) {
            char *sp = strchr(buf + 6, ' ');
            set_err(err, atoi(buf + 6), "%s", sp ? sp + 1 : "stage 1");
        }
    }
    close(sv[0]);
    int st;
    while (waitpid(stage1, &st, 0) < 0 && errno == EINTR) {}
    if (result <= 0 && err && err->err == 0) set_err(err, EPROTO, "%s", "namespace setup (stage 1) died");
    return result > 0 ? result : -1;
}

pid_t sr_spawn(const struct sr_spawn_config *cfg, struct sr_spawn_error *err) {
    err->err = 0; err->what[0] = 0; err->cg_placed = 0;
    int userns = (cfg->new_flags & CLONE_NEWUSER) != 0;
    for (int i = 0; i < cfg->n_join; i++)
        if (cfg->join[i].nstype == CLONE_NEWUSER) userns = 1;
    return userns ? path_b(cfg, err) : path_a(cfg, err);
}
