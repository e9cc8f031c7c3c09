// Thin wrappers for syscalls and macros Swift cannot call directly (variadics,
// function-like macros, syscalls without a glibc wrapper). Return -1 and set errno
// on failure unless noted.
#ifndef SR_SYS_H
#define SR_SYS_H
#include <sys/types.h>
#include <stdint.h>

/* Constants glibc only exposes under _GNU_SOURCE (Swift's Glibc module lacks them). */
static const int SR_O_PATH = 010000000;
static const int SR_CLONE_NEWNS = 0x00020000, SR_CLONE_NEWCGROUP = 0x02000000, SR_CLONE_NEWUTS = 0x04000000,
                 SR_CLONE_NEWIPC = 0x08000000, SR_CLONE_NEWUSER = 0x10000000, SR_CLONE_NEWPID = 0x20000000,
                 SR_CLONE_NEWNET = 0x40000000, SR_CLONE_NEWTIME = 0x00000080;

int sr_mount(const char *src, const char *dst, const char *fstype, unsigned long flags, const char *data);
int sr_umount2(const char *target, int flags);
/* mount_setattr(2): set/clear MOUNT_ATTR_* (recursively with AT_RECURSIVE in flags). */
int sr_mount_setattr(int dirfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr, uint64_t propagation);
int sr_pivot_root(const char *new_root, const char *put_old);
int sr_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
/* syscall(2) by number with up to three arguments (-1 and errno on failure). */
long sr_syscall3(long nr, unsigned long a1, unsigned long a2, unsigned long a3);
int sr_setns(int fd, int nstype);
int sr_unshare(int flags);
int sr_close_range(unsigned int first, unsigned int last, unsigned int flags);
/* Close every fd >= first except those in keep[0..n) (CLOEXEC-mark with cloexec=1 instead). */
int sr_close_fds_except(int first, const int *keep, int n, int cloexec);
int sr_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve);
int sr_mknod(const char *path, mode_t mode, unsigned int major, unsigned int minor);
int sr_mknodat(int dirfd, const char *name, mode_t mode, unsigned int major, unsigned int minor);
dev_t sr_makedev(unsigned int major, unsigned int minor);
unsigned int sr_major(dev_t d);
unsigned int sr_minor(dev_t d);
int sr_setgroups(size_t n, const gid_t *gids);
int sr_sethostname(const char *name, size_t len);
int sr_setdomainname(const char *name, size_t len);
int sr_ioprio_set(int which, int who, int ioprio);
/* sched_setattr(2); flags as SCHED_FLAG_*. */
int sr_sched_setattr(pid_t pid, uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority,
                     uint64_t runtime, uint64_t deadline, uint64_t period);
int sr_personality(unsigned long persona);
int sr_kill(pid_t pid, int sig);
int sr_pidfd_open(pid_t pid);
int sr_pidfd_send_signal(int pidfd, int sig);
/* Reset every signal handler to SIG_DFL and unblock all signals (before exec). */
void sr_reset_signals(void);
/* Block these signals and return a signalfd for them (-1 on error). */
int sr_signalfd_for(const int *sigs, int n);
/* Install a no-op handler so the signal interrupts syscalls (EINTR) and is recorded;
   sr_take_signal() returns the next recorded signal or 0. */
int sr_catch_signals(const int *sigs, int n);
int sr_take_signal(void);
/* Handlers that _exit(128+sig) for TERM/INT/HUP/QUIT/USR1/USR2 (a container init that
   is still ours, blocked before exec, must die on them although it is a pid-ns init). */
void sr_die_on_signals(void);
/* waitpid wrapper returning the exit code in the shell convention (128+sig). -1 on error. */
/* Shell-style code of a wait status (exit code, or 128+signal). */
int sr_wait_status_code(int status);
int sr_wait_exit(pid_t pid, int *status_out, int nohang);
/* errno access (Swift's errno is fine too; this keeps C callers symmetric). */
int sr_errno(void);
const char *sr_errno_name(int e);
/* Join a new session keyring named `name` and make it searchable by its possessor's
   group (as runc does unless --no-new-keyring). Returns the keyring id or -1. */
long sr_join_session_keyring(const char *name);
/* Process start time (field 22 of /proc/PID/stat) and state char; 0 if the process is gone. */
unsigned long long sr_proc_starttime(pid_t pid, char *state_out);
/* Number of threads of this process (from /proc/self/stat), -1 on error. */
int sr_thread_count(void);
/* Send/receive one fd over a unix socket with SCM_RIGHTS; data is a small payload. */
int sr_send_fd(int sock, int fd, const void *data, size_t len);
int sr_recv_fd(int sock, void *data, size_t len, int *fd_out);
#endif
