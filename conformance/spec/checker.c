/* checker: static in-container fact dumper for the swiftrun spec conformance
 * harness.  Prints one `key=value` line per fact; the harness (run.py)
 * computes the expectations from config.json and compares.
 *
 *   checker facts            status caps/ids/umask, pid, cwd, hostname,
 *                            rlimits, ns inodes, uid/gid maps, oom_score_adj
 *   checker env              env.NAME=VALUE for every variable
 *   checker mount:PATH       mount.PATH=fstype|mountopts|superopts (top mount)
 *   checker stat:PATH        stat.PATH=kind major minor mode uid gid | errno
 *   checker read:PATH        read.PATH=first line | ERR:errno
 *   checker masked:PATH      masked.PATH=<bytes or dir entries> | ERR:errno
 *   checker write:PATH       write.PATH=OK | ERR:errno  (open O_WRONLY)
 *   checker create:PATH      create.PATH=OK | ERR:errno (O_CREAT, then unlink)
 *   checker link:PATH        link.PATH=target | ERR:errno
 *   checker touch:PATH       touch.PATH=OK | ERR:errno  (O_CREAT, file kept)
 *   checker prop:PATH        prop.PATH=propagation tags of the top mount at PATH
 *                            (shared:N,master:N,propagate_from:N,unbindable | private)
 *   checker syscall:NAME     syscall.NAME=OK | ERR:errno   (one harmless syscall, see sys_of)
 *   checker sigsys:NAME      sigsys.NAME=exited:N | killed:SIG (NAME run in a forked child)
 *   checker trap:NAME        trap.NAME=sigsys code=C syscall_ok=0|1 | exited:N | killed:SIG
 *                            (child with a SA_SIGINFO SIGSYS handler)
 *   checker fd:N             fd.N=kind major minor | ERR:errno  (fstat of fd N)
 *   checker fds              fds=0,1,2 (open fds, from /proc/self/fd)
 *   checker sched            sched.policy, sched.nice, ioprio (class prio), affinity (cpu list)
 *   checker persona          personality (hex), uname.machine
 *   checker clock            clock.monotonic, clock.boottime (seconds, %.3f)
 *   checker argv ...         argc, argv.N for every argument (ignores the rest; must be first)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

extern char **environ;

static const char *en(int e) {
    switch (e) {
    case EROFS: return "EROFS"; case EACCES: return "EACCES"; case EPERM: return "EPERM";
    case ENOENT: return "ENOENT"; case EISDIR: return "EISDIR"; case EINVAL: return "EINVAL";
    case ENOTDIR: return "ENOTDIR"; case EIO: return "EIO"; case ENOSYS: return "ENOSYS";
    }
    static char b[32]; snprintf(b, sizeof b, "E%d", e); return b;
}

static void chomp(char *s) { size_t n = strlen(s); while (n && (s[n-1] == '\n' || s[n-1] == '\r')) s[--n] = 0; }

static void status(void) {
    FILE *f = fopen("/proc/self/status", "r"); char l[4096];
    if (!f) { printf("status=ERR:%s\n", en(errno)); return; }
    const char *keys[] = {"CapInh","CapPrm","CapEff","CapBnd","CapAmb","NoNewPrivs","Uid","Gid","Groups","Umask","Seccomp",0};
    while (fgets(l, sizeof l, f)) {
        chomp(l);
        char *c = strchr(l, ':'); if (!c) continue; *c = 0;
        for (int i = 0; keys[i]; i++) if (!strcmp(l, keys[i])) {
            char *v = c + 1; while (*v == ' ' || *v == '\t') v++;
            for (char *p = v; *p; p++) if (*p == '\t') *p = ' ';
            size_t n = strlen(v); while (n && v[n-1] == ' ') v[--n] = 0;
            printf("%s=%s\n", l, v);
        }
    }
    fclose(f);
}

static void filefirst(const char *key, const char *path, int all) {
    FILE *f = fopen(path, "r"); char l[4096];
    if (!f) { printf("%s=ERR:%s\n", key, en(errno)); return; }
    printf("%s=", key);
    int first = 1;
    while (fgets(l, sizeof l, f)) {
        chomp(l);
        /* collapse runs of spaces */
        char o[4096]; int j = 0, sp = 0;
        for (int i = 0; l[i] && j < 4090; i++) {
            if (l[i] == ' ' || l[i] == '\t') { if (!sp && j) o[j++] = ' '; sp = 1; }
            else { o[j++] = l[i]; sp = 0; }
        }
        o[j] = 0;
        printf("%s%s", first ? "" : ";", o); first = 0;
        if (!all) break;
    }
    printf("\n"); fclose(f);
}

static void facts(void) {
    status();
    printf("pid=%d\nppid=%d\n", getpid(), getppid());
    char b[4096];
    if (getcwd(b, sizeof b)) printf("cwd=%s\n", b); else printf("cwd=ERR:%s\n", en(errno));
    if (!gethostname(b, sizeof b)) printf("hostname=%s\n", b);
    if (!getdomainname(b, sizeof b)) printf("domainname=%s\n", b);
    static const struct { const char *n; int r; } rl[] = {
        {"CPU",RLIMIT_CPU},{"FSIZE",RLIMIT_FSIZE},{"DATA",RLIMIT_DATA},{"STACK",RLIMIT_STACK},
        {"CORE",RLIMIT_CORE},{"RSS",RLIMIT_RSS},{"NPROC",RLIMIT_NPROC},{"NOFILE",RLIMIT_NOFILE},
        {"MEMLOCK",RLIMIT_MEMLOCK},{"AS",RLIMIT_AS},{"LOCKS",RLIMIT_LOCKS},{"SIGPENDING",RLIMIT_SIGPENDING},
        {"MSGQUEUE",RLIMIT_MSGQUEUE},{"NICE",RLIMIT_NICE},{"RTPRIO",RLIMIT_RTPRIO},{"RTTIME",RLIMIT_RTTIME}};
    for (unsigned i = 0; i < sizeof rl / sizeof rl[0]; i++) {
        struct rlimit r; getrlimit(rl[i].r, &r);
        printf("rlimit.RLIMIT_%s=", rl[i].n);
        if (r.rlim_cur == RLIM_INFINITY) printf("inf "); else printf("%llu ", (unsigned long long)r.rlim_cur);
        if (r.rlim_max == RLIM_INFINITY) printf("inf\n"); else printf("%llu\n", (unsigned long long)r.rlim_max);
    }
    const char *ns[] = {"pid","net","ipc","uts","mnt","cgroup","user","time",0};
    for (int i = 0; ns[i]; i++) {
        char p[64]; struct stat st; snprintf(p, sizeof p, "/proc/self/ns/%s", ns[i]);
        if (!stat(p, &st)) printf("ns.%s=%lu\n", ns[i], (unsigned long)st.st_ino);
        else printf("ns.%s=ERR:%s\n", ns[i], en(errno));
    }
    filefirst("uid_map", "/proc/self/uid_map", 1);
    filefirst("gid_map", "/proc/self/gid_map", 1);
    filefirst("oom_score_adj", "/proc/self/oom_score_adj", 0);
    filefirst("cgroup", "/proc/self/cgroup", 1);
    filefirst("root_mount", "/proc/self/mountinfo", 0);
}

/* unescape \040 etc. in mountinfo fields */
static void unesc(char *s) {
    char *o = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
            *o++ = (char)((s[1]-'0')*64 + (s[2]-'0')*8 + (s[3]-'0')); s += 4;
        } else *o++ = *s++;
    }
    *o = 0;
}

static void mount_of(const char *path) {
    FILE *f = fopen("/proc/self/mountinfo", "r"); char l[8192], found[8192] = "";
    if (!f) { printf("mount.%s=ERR:%s\n", path, en(errno)); return; }
    while (fgets(l, sizeof l, f)) {
        chomp(l);
        char copy[8192]; strcpy(copy, l);
        char *fld[64]; int n = 0; char *sv;
        for (char *t = strtok_r(copy, " ", &sv); t && n < 64; t = strtok_r(NULL, " ", &sv)) fld[n++] = t;
        if (n < 10) continue;
        char mp[4096]; snprintf(mp, sizeof mp, "%s", fld[4]); unesc(mp);
        if (strcmp(mp, path)) continue;
        int d = 6; while (d < n && strcmp(fld[d], "-")) d++;
        if (d + 3 >= n + 0 && d + 2 >= n) continue;
        snprintf(found, sizeof found, "%s|%s|%s", fld[d+1], fld[5], d + 3 < n ? fld[d+3] : "");
    }
    fclose(f);
    if (found[0]) printf("mount.%s=%s\n", path, found); else printf("mount.%s=ERR:notmounted\n", path);
}

static void stat_of(const char *p) {
    struct stat st;
    if (lstat(p, &st)) { printf("stat.%s=ERR:%s\n", p, en(errno)); return; }
    const char *k = S_ISCHR(st.st_mode) ? "c" : S_ISBLK(st.st_mode) ? "b" : S_ISDIR(st.st_mode) ? "d" :
                    S_ISLNK(st.st_mode) ? "l" : S_ISREG(st.st_mode) ? "f" : S_ISFIFO(st.st_mode) ? "p" : "?";
    printf("stat.%s=%s %u %u %04o %u %u\n", p, k, major(st.st_rdev), minor(st.st_rdev),
           (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid);
}

static void read_of(const char *p) {
    char k[4200]; snprintf(k, sizeof k, "read.%s", p); filefirst(k, p, 0);
}

static void masked_of(const char *p) {
    struct stat st;
    if (stat(p, &st)) { printf("masked.%s=ERR:%s\n", p, en(errno)); return; }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(p); if (!d) { printf("masked.%s=ERR:%s\n", p, en(errno)); return; }
        int n = 0; struct dirent *e;
        while ((e = readdir(d))) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
        closedir(d); printf("masked.%s=dir:%d\n", p, n); return;
    }
    int fd = open(p, O_RDONLY | O_NONBLOCK);
    if (fd < 0) { printf("masked.%s=ERR:%s\n", p, en(errno)); return; }
    char b[4096]; ssize_t r = read(fd, b, sizeof b); int e = errno; close(fd);
    if (r < 0) printf("masked.%s=ERR:%s\n", p, en(e)); else printf("masked.%s=file:%zd\n", p, r);
}

static void write_of(const char *p) {
    int fd = open(p, O_WRONLY | O_NONBLOCK);
    if (fd < 0) printf("write.%s=ERR:%s\n", p, en(errno)); else { printf("write.%s=OK\n", p); close(fd); }
}

static void create_of(const char *p) {
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) printf("create.%s=ERR:%s\n", p, en(errno));
    else { printf("create.%s=OK\n", p); close(fd); unlink(p); }
}

static void link_of(const char *p) {
    char b[4096]; ssize_t n = readlink(p, b, sizeof b - 1);
    if (n < 0) printf("link.%s=ERR:%s\n", p, en(errno)); else { b[n] = 0; printf("link.%s=%s\n", p, b); }
}


static void touch_of(const char *p) {
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    if (fd < 0) printf("touch.%s=ERR:%s\n", p, en(errno)); else { printf("touch.%s=OK\n", p); close(fd); }
}

/* propagation tags (mountinfo optional fields) of the top mount at PATH */
static void prop_of(const char *path) {
    FILE *f = fopen("/proc/self/mountinfo", "r"); char l[8192], found[1024] = "";
    if (!f) { printf("prop.%s=ERR:%s\n", path, en(errno)); return; }
    int seen = 0;
    while (fgets(l, sizeof l, f)) {
        chomp(l);
        char *fld[64]; int n = 0; char *sv;
        for (char *t = strtok_r(l, " ", &sv); t && n < 64; t = strtok_r(NULL, " ", &sv)) fld[n++] = t;
        if (n < 10) continue;
        char mp[4096]; snprintf(mp, sizeof mp, "%s", fld[4]); unesc(mp);
        if (strcmp(mp, path)) continue;
        seen = 1; found[0] = 0;
        for (int i = 6; i < n && strcmp(fld[i], "-"); i++) {
            if (found[0]) strncat(found, ",", sizeof found - strlen(found) - 1);
            strncat(found, fld[i], sizeof found - strlen(found) - 1);
        }
        if (!found[0]) strcpy(found, "private");
    }
    fclose(f);
    if (seen) printf("prop.%s=%s\n", path, found); else printf("prop.%s=ERR:notmounted\n", path);
}

/* one harmless syscall by name; returns 0 or -1 with errno; -2 = unknown name */
static long sys_of(const char *name) {
    struct sysinfo si;
    if (!strcmp(name, "getpriority")) return syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0 ? -1 : 0;
    /* no x86_64 syscall has this number: only a seccomp filter answers it (or the kernel: ENOSYS) */
    if (!strcmp(name, "nr1000")) return syscall(1000) < 0 ? -1 : 0;
    if (!strcmp(name, "getsid")) return syscall(SYS_getsid, 0) < 0 ? -1 : 0;
    if (!strcmp(name, "getpgid")) return syscall(SYS_getpgid, 0) < 0 ? -1 : 0;
    if (!strcmp(name, "sysinfo")) return syscall(SYS_sysinfo, &si) < 0 ? -1 : 0;
    if (!strcmp(name, "getppid")) return syscall(SYS_getppid) < 0 ? -1 : 0;
    if (!strcmp(name, "getitimer")) { struct itimerval it; return syscall(SYS_getitimer, ITIMER_REAL, &it) < 0 ? -1 : 0; }
    if (!strcmp(name, "mincore_bad")) {   /* mincore on an unaligned address: EINVAL when allowed */
        unsigned char v; long r = syscall(SYS_mincore, (void *)1, 1, &v);
        if (r < 0 && errno == EINVAL) return 0;
        return r < 0 ? -1 : 0;
    }
    if (!strcmp(name, "personality_query")) return syscall(SYS_personality, 0xffffffffUL) < 0 ? -1 : 0;
    if (!strcmp(name, "personality_linux")) return syscall(SYS_personality, (unsigned long)PER_LINUX) < 0 ? -1 : 0;
    if (!strcmp(name, "personality_linux32") || !strcmp(name, "personality_norandom")) {
        long old = syscall(SYS_personality, 0xffffffffUL);
        unsigned long want = !strcmp(name, "personality_linux32") ? (unsigned long)PER_LINUX32
                                                                   : (unsigned long)ADDR_NO_RANDOMIZE;
        long r = syscall(SYS_personality, want);
        int e = errno;
        if (r >= 0 && old >= 0) syscall(SYS_personality, (unsigned long)old);
        errno = e;
        return r < 0 ? -1 : 0;
    }
    return -2;
}

static void syscall_of(const char *name) {
    errno = 0;
    long r = sys_of(name);
    if (r == -2) printf("syscall.%s=ERR:unknown\n", name);
    else if (r < 0) printf("syscall.%s=ERR:%s\n", name, en(errno));
    else printf("syscall.%s=OK\n", name);
}

static volatile sig_atomic_t trap_code = -1, trap_nr = -1;
static void on_sigsys(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc; trap_code = si->si_code; trap_nr = si->si_syscall;
}

/* run sys_of(NAME) in a forked child (optionally with a SIGSYS handler); report how it ended */
static void child_of(const char *kind, const char *name, int handler) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) { printf("%s.%s=ERR:%s\n", kind, name, en(errno)); return; }
    if (pid == 0) {
        if (handler) {
            struct sigaction sa; memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = on_sigsys; sa.sa_flags = SA_SIGINFO; sigaction(SIGSYS, &sa, NULL);
        }
        long r = sys_of(name);
        if (handler && trap_code != -1) {
            /* SYS_SECCOMP = 1; si_syscall must name the syscall that was trapped */
            long want = !strncmp(name, "personality", 11) ? SYS_personality :
                        !strcmp(name, "getpriority") ? SYS_getpriority : !strcmp(name, "getsid") ? SYS_getsid :
                        !strcmp(name, "getpgid") ? SYS_getpgid : !strcmp(name, "sysinfo") ? SYS_sysinfo :
                        !strcmp(name, "mincore_bad") ? SYS_mincore : -1;
            _exit(trap_code == 1 && trap_nr == want ? 100 : 101);
        }
        _exit(r < 0 ? 1 : 0);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(st)) printf("%s.%s=killed:%d\n", kind, name, WTERMSIG(st));
    else if (handler && WEXITSTATUS(st) >= 100)
        printf("%s.%s=sigsys code_ok=%d\n", kind, name, WEXITSTATUS(st) == 100);
    else printf("%s.%s=exited:%d\n", kind, name, WEXITSTATUS(st));
}

static void fd_of(const char *s) {
    int fd = atoi(s); struct stat st;
    if (fstat(fd, &st)) { printf("fd.%d=ERR:%s\n", fd, en(errno)); return; }
    const char *k = S_ISCHR(st.st_mode) ? "c" : S_ISBLK(st.st_mode) ? "b" : S_ISDIR(st.st_mode) ? "d" :
                    S_ISREG(st.st_mode) ? "f" : S_ISFIFO(st.st_mode) ? "p" : S_ISSOCK(st.st_mode) ? "s" : "?";
    printf("fd.%d=%s %u %u\n", fd, k, major(st.st_rdev), minor(st.st_rdev));
}

static void fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) { printf("fds=ERR:%s\n", en(errno)); return; }
    int self = dirfd(d), list[1024], n = 0; struct dirent *e;
    while ((e = readdir(d)) && n < 1024) {
        if (e->d_name[0] == '.') continue;
        int fd = atoi(e->d_name); if (fd != self) list[n++] = fd;
    }
    closedir(d);
    for (int i = 1; i < n; i++) for (int j = i; j > 0 && list[j-1] > list[j]; j--) { int t = list[j]; list[j] = list[j-1]; list[j-1] = t; }
    printf("fds=");
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", list[i]);
    printf("\n");
}

static void sched(void) {
    int p = sched_getscheduler(0);
    if (p < 0) printf("sched.policy=ERR:%s\n", en(errno)); else printf("sched.policy=%d\n", p & ~SCHED_RESET_ON_FORK);
    errno = 0; int nice = getpriority(PRIO_PROCESS, 0);
    if (errno) printf("sched.nice=ERR:%s\n", en(errno)); else printf("sched.nice=%d\n", nice);
    long io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
    if (io < 0) printf("ioprio=ERR:%s\n", en(errno)); else printf("ioprio=%ld %ld\n", io >> 13, io & 0x1fff);
    cpu_set_t set; CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set)) { printf("affinity=ERR:%s\n", en(errno)); return; }
    printf("affinity=");
    int first = 1;
    for (int c = 0; c < CPU_SETSIZE; c++) if (CPU_ISSET(c, &set)) { printf("%s%d", first ? "" : ",", c); first = 0; }
    printf("\n");
}

static void persona(void) {
    long p = syscall(SYS_personality, 0xffffffffUL);
    printf("personality=0x%lx\n", p);
    struct utsname u;
    if (!uname(&u)) printf("uname.machine=%s\n", u.machine);
}

static void clocks(void) {
    struct timespec m, b;
    clock_gettime(CLOCK_MONOTONIC, &m); clock_gettime(CLOCK_BOOTTIME, &b);
    printf("clock.monotonic=%.3f\nclock.boottime=%.3f\n", m.tv_sec + m.tv_nsec / 1e9, b.tv_sec + b.tv_nsec / 1e9);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if (argc > 1 && !strcmp(argv[1], "argv")) {
        printf("argc=%d\n", argc);
        for (int i = 0; i < argc; i++) printf("argv.%d=%s\n", i, argv[i]);
        printf("checker=done\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        char *a = argv[i], *c = strchr(a, ':');
        if (!strcmp(a, "facts")) facts();
        else if (!strcmp(a, "fds")) fds();
        else if (!strcmp(a, "sched")) sched();
        else if (!strcmp(a, "persona")) persona();
        else if (!strcmp(a, "clock")) clocks();
        else if (!strcmp(a, "env")) { for (char **e = environ; *e; e++) printf("env.%s\n", *e); }
        else if (c) {
            *c = 0; const char *p = c + 1;
            if (!strcmp(a, "mount")) mount_of(p);
            else if (!strcmp(a, "stat")) stat_of(p);
            else if (!strcmp(a, "read")) read_of(p);
            else if (!strcmp(a, "masked")) masked_of(p);
            else if (!strcmp(a, "write")) write_of(p);
            else if (!strcmp(a, "create")) create_of(p);
            else if (!strcmp(a, "link")) link_of(p);
            else if (!strcmp(a, "touch")) touch_of(p);
            else if (!strcmp(a, "prop")) prop_of(p);
            else if (!strcmp(a, "syscall")) syscall_of(p);
            else if (!strcmp(a, "sigsys")) child_of("sigsys", p, 0);
            else if (!strcmp(a, "trap")) child_of("trap", p, 1);
            else if (!strcmp(a, "fd")) fd_of(p);
            else printf("error=unknown check %s\n", a);
        } else printf("error=unknown check %s\n", a);
    }
    printf("checker=done\n");
    return 0;
}
