#define _GNU_SOURCE
#include "sr_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>

int sr_mount(const char *src, const char *dst, const char *fstype, unsigned long flags, const char *data) {
    return mount(src, dst, fstype, flags, data);
}
int sr_umount2(const char *target, int flags) { return umount2(target, flags); }
struct sr_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };
int sr_mount_setattr(int dirfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr, uint64_t propagation) {
    struct sr_mount_attr a = { attr_set, attr_clr, propagation, 0 };
    return (int)syscall(442 /* SYS_mount_setattr */, dirfd, path, flags, &a, sizeof a);
}
int sr_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}
long sr_syscall3(long nr, unsigned long a1, unsigned long a2, unsigned long a3) {
    return syscall(nr, a1, a2, a3);
}

int sr_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
    return prctl(option, a2, a3, a4, a5);
}
int sr_setns(int fd, int nstype) { return setns(fd, nstype); }
int sr_unshare(int flags) { return unshare(flags); }
int sr_close_range(unsigned int first, unsigned int last, unsigned int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int sr_close_fds_except(int first, const int *keep, int n, int cloexec) {
    int sorted[64];
    if (n > 64) n = 64;
    memcpy(sorted, keep, sizeof(int) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(int), cmp_int);
    unsigned int flags = cloexec ? 4u /* CLOSE_RANGE_CLOEXEC */ : 0u;
    unsigned int lo = (unsigned int)first;
    for (int i = 0; i < n; i++) {
        if (sorted[i] < (int)lo) continue;
        if ((unsigned int)sorted[i] > lo &&
            syscall(SYS_close_range, lo, (unsigned int)sorted[i] - 1, flags) < 0) return -1;
        lo = (unsigned int)sorted[i] + 1;
    }
    return (int)syscall(SYS_close_range, lo, ~0u, flags);
}

int sr_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)flags;
    how.mode = (uint64_t)mode;
    how.resolve = resolve;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
int sr_mknod(const char *path, mode_t mode, unsigned int maj, unsigned int min) {
    return mknod(path, mode, makedev(maj, min));
}
int sr_mknodat(int dirfd, const char *name, mode_t mode, unsigned int maj, unsigned int min) {
    return mknodat(dirfd, name, mode, makedev(maj, min));
}
dev_t sr_makedev(unsigned int maj, unsigned int min) { return makedev(maj, min); }
unsigned int sr_major(dev_t d) { return major(d); }
unsigned int sr_minor(dev_t d) { return minor(d); }
int sr_setgroups(size_t n, const gid_t *gids) { return setgroups(n, gids); }
int sr_sethostname(const char *name, size_t len) { return sethostname(name, len); }
int sr_setdomainname(const char *name, size_t len) { return setdomainname(name, len); }
int sr_ioprio_set(int which, int who, int ioprio) { return (int)syscall(SYS_ioprio_set, which, who, ioprio); }

struct sr_sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};
int sr_sched_setattr(pid_t pid, uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority,
                     uint64_t runtime, uint64_t deadline, uint64_t period) {
    struct sr_sched_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.sched_policy = policy;
    a.sched_flags = flags;
    a.sched_nice = nice;
    a.sched_priority = priority;
    a.sched_runtime = runtime;
    a.sched_deadline = deadline;
    a.sched_period = period;
    return (int)syscall(SYS_sched_setattr, pid, &a, 0);
}
int sr_personality(unsigned long persona) { return personality(persona) < 0 ? -1 : 0; }
int sr_kill(pid_t pid, int sig) { return kill(pid, sig); }
int sr_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
int sr_pidfd_send_signal(int pidfd, int sig) { return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0); }

void sr_reset_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        sigaction(s, &sa, NULL); /* fails harmlessly for the glibc-reserved RT signals */
    }
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
}

int sr_signalfd_for(const int *sigs, int n) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < n; i++) sigaddset(&set, sigs[i]);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC);
}

static volatile sig_atomic_t pending[65];
static void record(int sig) { if (sig > 0 && sig < 65) pending[sig] = 1; }
int sr_catch_signals(const int *sigs, int n) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = record; /* no SA_RESTART: waitpid returns EINTR */
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < n; i++)
        if (sigaction(sigs[i], &sa, NULL) < 0) return -1;
    return 0;
}
int sr_take_signal(void) {
    for (int s = 1; s < 65; s++)
        if (pending[s]) { pending[s] = 0; return s; }
    return 0;
}

int sr_wait_status_code(int st) {
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return 255;
}

static void die(int sig) { _exit(128 + sig); }
void sr_die_on_signals(void) {
    static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = die;
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

int sr_wait_exit(pid_t pid, int *status_out, int nohang) {
    int st = 0;
    pid_t r = waitpid(pid, &st, nohang ? WNOHANG : 0);
    if (r < 0) return -1;
    if (r == 0) return -2; /* still running */
    if (status_out) *status_out = st;
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return 255;
}

long sr_join_session_keyring(const char *name) {
    long id = syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name, 0, 0, 0);
    if (id < 0) return -1;
    char desc[256];
    long n = syscall(SYS_keyctl, 6 /* KEYCTL_DESCRIBE */, id, desc, sizeof desc - 1, 0);
    if (n < 0) return -1;
    desc[sizeof desc - 1] = 0;
    /* "type;uid;gid;perm;description" */
    char *p = desc;
    for (int i = 0; i < 3 && p; i++) { p = strchr(p, ';'); if (p) p++; }
    if (!p) { errno = EINVAL; return -1; }
    unsigned long perm = strtoul(p, NULL, 16) | 0x080000UL; /* KEY_GRP_SEARCH */
    if (syscall(SYS_keyctl, 5 /* KEYCTL_SETPERM */, id, perm, 0, 0) < 0) return -1;
    return id;
}

int sr_errno(void) { return errno; }
const char *sr_errno_name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "EUNKNOWN";
}

unsigned long long sr_proc_starttime(pid_t pid, char *state_out) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* comm may contain spaces and parens */
    if (!p || p[1] != ' ') return 0;
    p += 2;
    if (state_out) *state_out = *p;
    /* p is field 3 (state); start time is field 22 */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p) return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}

int sr_thread_count(void) {
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    p += 2;
    for (int field = 3; field < 20; field++) {
        p = strchr(p, ' ');
        if (!p) return -1;
        p++;
    }
    return atoi(p);
}

int sr_send_fd(int sock, int fd, const void *data, size_t len) {
    struct msghdr msg;
    struct iovec iov;
    char cbuf[CMSG_SPACE(sizeof(int))];
    char dummy = 0;
    memset(&msg, 0, sizeof msg);
    memset(cbuf, 0, sizeof cbuf);
    iov.iov_base = len ? (void *)data : &dummy;
    iov.iov_len = len ? len : 1;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0) {
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof cbuf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t r;
    do { r = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}

int sr_recv_fd(int sock, void *data, size_t len, int *fd_out) {
    struct msghdr msg;
    struct iovec iov;
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(&msg, 0, sizeof msg);
    iov.iov_base = data;
    iov.iov_len = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    *fd_out = -1;
    ssize_t r;
    do { r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (r < 0 && errno == EINTR);
    if (r < 0) return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(fd_out, CMSG_DATA(c), sizeof(int));
    return (int)r;
}
